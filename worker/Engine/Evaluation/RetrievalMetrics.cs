using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Evaluation;

/// <summary>Recall at 1/5/10 (fractions of queries in [0, 1]) and median/mean rank (1 = best) of one direction.</summary>
public sealed record RetrievalDirection(double R1, double R5, double R10, double MedianRank, double MeanRank)
{
    public static RetrievalDirection FromRanks(IReadOnlyList<long> ranks)
    {
        ArgumentNullException.ThrowIfNull(ranks);
        if (ranks.Count == 0)
        {
            throw new ArgumentException("no queries to rank", nameof(ranks));
        }

        var sorted = ranks.Order().ToArray();
        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2.0;
        return new RetrievalDirection(
            Recall(sorted, 1), Recall(sorted, 5), Recall(sorted, 10), median, sorted.Average(r => (double)r));
    }

    private static double Recall(long[] ranks, int k) => ranks.Count(r => r <= k) / (double)ranks.Length;
}

/// <summary>
/// Retrieval over a held-out split with every caption, on L2-normalised embeddings. Text→image: a caption's
/// rank is 1 + the number of other images scoring at least as high as its own image. Image→text: an image's
/// rank is 1 + the number of other images' captions scoring at least as high as its best own caption. Ties
/// therefore count against the model: a constant embedding ranks last, not first.
/// </summary>
public sealed record RetrievalMetrics(RetrievalDirection TextToImage, RetrievalDirection ImageToText)
{
    /// <param name="imageEmbeddings">I×D, one row per held-out image.</param>
    /// <param name="textEmbeddings">C×D, one row per held-out caption.</param>
    /// <param name="captionImage">For each caption, the row of its image.</param>
    public static RetrievalMetrics Compute(Tensor imageEmbeddings, Tensor textEmbeddings, IReadOnlyList<int> captionImage)
    {
        ArgumentNullException.ThrowIfNull(imageEmbeddings);
        ArgumentNullException.ThrowIfNull(textEmbeddings);
        ArgumentNullException.ThrowIfNull(captionImage);
        using var scope = NewDisposeScope();
        var images = nn.functional.normalize(imageEmbeddings.to(ScalarType.Float64), dim: 1);
        var texts = nn.functional.normalize(textEmbeddings.to(ScalarType.Float64), dim: 1);
        var similarity = texts.matmul(images.T).cpu(); // C×I
        var owner = tensor(captionImage.Select(i => (long)i).ToArray());

        // Text→image: the own image's score is compared with every image's; the own image itself counts as 1.
        var ownScore = similarity.gather(1, owner.unsqueeze(1));
        var textToImage = similarity.ge(ownScore).sum(1).data<long>().ToArray();

        // Image→text: other images' captions at or above the best own caption.
        var imageCount = images.shape[0];
        var isOwn = owner.unsqueeze(0).eq(arange(imageCount).unsqueeze(1)); // I×C
        var byImage = similarity.T;
        var bestOwn = byImage.masked_fill(isOwn.logical_not(), double.NegativeInfinity).max(1).values.unsqueeze(1);
        var imageToText = (byImage.ge(bestOwn).logical_and(isOwn.logical_not()).sum(1) + 1).data<long>().ToArray();

        return new RetrievalMetrics(RetrievalDirection.FromRanks(textToImage), RetrievalDirection.FromRanks(imageToText));
    }
}
