using Orchestrator.Worker.Engine.Evaluation;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>Retrieval metrics against a brute-force reference, including ties and late-matching captions.</summary>
public sealed class RetrievalMetricsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_embeddings_with_five_captions_per_image_match_brute_force(int seed)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(seed);
        const int images = 12;
        var owners = Enumerable.Range(0, images * 5).Select(c => c / 5).ToArray();
        var imageEmbeddings = randn(images, 6, dtype: ScalarType.Float64);
        // Captions near their image (and noise), so ranks spread over the whole range rather than all 1.
        var textEmbeddings = imageEmbeddings.index_select(0, tensor(owners.Select(o => (long)o).ToArray())) * 0.5
            + randn(owners.Length, 6, dtype: ScalarType.Float64);

        var metrics = RetrievalMetrics.Compute(imageEmbeddings, textEmbeddings, owners);

        var (t2i, i2t) = BruteForceRanks(Rows(imageEmbeddings), Rows(textEmbeddings), owners);
        AssertDirection(t2i, metrics.TextToImage);
        AssertDirection(i2t, metrics.ImageToText);
        Assert.True(t2i.Distinct().Count() > 2, "the random case should produce varied ranks");
    }

    [Fact]
    public void Ties_count_against_the_model()
    {
        using var scope = NewDisposeScope();
        // Every image and caption identical: every score ties, so each query ranks last, not first.
        var imageEmbeddings = ones(4, 3, dtype: ScalarType.Float64);
        var textEmbeddings = ones(8, 3, dtype: ScalarType.Float64);
        var owners = new[] { 0, 0, 1, 1, 2, 2, 3, 3 };

        var metrics = RetrievalMetrics.Compute(imageEmbeddings, textEmbeddings, owners);

        Assert.Equal(0, metrics.TextToImage.R1);
        Assert.Equal(4, metrics.TextToImage.MedianRank);
        Assert.Equal(4, metrics.TextToImage.MeanRank);
        Assert.Equal(0, metrics.ImageToText.R1);
        Assert.Equal(1, metrics.ImageToText.R10);
        Assert.Equal(7, metrics.ImageToText.MeanRank);
    }

    [Fact]
    public void An_image_scores_when_only_its_third_caption_matches()
    {
        using var scope = NewDisposeScope();
        var imageEmbeddings = tensor(new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, [3, 3]);
        // Image 0's captions: the first two point at images 1 and 2, only the 3rd at image 0.
        var textEmbeddings = tensor(new double[]
        {
            0, 1, 0, 0.1, 0, 1, 1, 0, 0,
            0, 1, 0.1, 0, 0.9, 0, 0, 0.8, 0,
            0, 0, 1, 0, 0.1, 0.9, 0, 0, 0.7,
        }, [9, 3]);
        var owners = new[] { 0, 0, 0, 1, 1, 1, 2, 2, 2 };

        var metrics = RetrievalMetrics.Compute(imageEmbeddings, textEmbeddings, owners);

        var (t2i, i2t) = BruteForceRanks(Rows(imageEmbeddings), Rows(textEmbeddings), owners);
        Assert.Equal(1, i2t[0]);
        Assert.Equal(new long[] { 3, 2, 1 }, t2i.Take(3));
        AssertDirection(t2i, metrics.TextToImage);
        AssertDirection(i2t, metrics.ImageToText);
    }

    /// <summary>Cosine similarities in loops; a rank is 1 + the competitors scoring at least as high.</summary>
    private static (long[] TextToImage, long[] ImageToText) BruteForceRanks(double[][] images, double[][] texts, int[] owners)
    {
        double Cosine(double[] a, double[] b) =>
            a.Zip(b, (x, y) => x * y).Sum() / Math.Sqrt(a.Sum(x => x * x)) / Math.Sqrt(b.Sum(x => x * x));

        var t2i = new long[texts.Length];
        for (var c = 0; c < texts.Length; c++)
        {
            var own = Cosine(texts[c], images[owners[c]]);
            t2i[c] = 1 + Enumerable.Range(0, images.Length).Count(i => i != owners[c] && Cosine(texts[c], images[i]) >= own);
        }

        var i2t = new long[images.Length];
        for (var i = 0; i < images.Length; i++)
        {
            var best = Enumerable.Range(0, texts.Length).Where(c => owners[c] == i).Max(c => Cosine(texts[c], images[i]));
            i2t[i] = 1 + Enumerable.Range(0, texts.Length).Count(c => owners[c] != i && Cosine(texts[c], images[i]) >= best);
        }

        return (t2i, i2t);
    }

    private static void AssertDirection(long[] ranks, RetrievalDirection actual)
    {
        foreach (var (k, recall) in new[] { (1, actual.R1), (5, actual.R5), (10, actual.R10) })
        {
            Assert.Equal(ranks.Count(r => r <= k) / (double)ranks.Length, recall, 1e-12);
        }

        var sorted = ranks.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2.0;
        Assert.Equal(median, actual.MedianRank, 1e-12);
        Assert.Equal(ranks.Average(r => (double)r), actual.MeanRank, 1e-12);
    }

    private static double[][] Rows(Tensor m)
    {
        var values = m.data<double>().ToArray();
        var columns = (int)m.shape[1];
        return values.Chunk(columns).ToArray();
    }
}
