using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Text;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>Synthetic set, split, vocabulary and batching.</summary>
public sealed class DataPipelineTests
{
    [Fact]
    public void Synthetic_set_is_seeded_and_gives_distinct_captions_per_image()
    {
        var a = SyntheticShapes.Generate(20, 4, 24, seed: 3);
        var b = SyntheticShapes.Generate(20, 4, 24, seed: 3);
        var c = SyntheticShapes.Generate(20, 4, 24, seed: 4);

        Assert.Equal(80, a.Captions.Count);
        Assert.Equal(a.Captions, b.Captions);
        Assert.Equal(a.Images[7], b.Images[7]);
        Assert.NotEqual(a.Images[7], c.Images[7]);
        Assert.All(a.Captions.GroupBy(x => x.Image), g => Assert.Equal(4, g.Select(x => x.Text).Distinct().Count()));
        Assert.Equal(3 * 24 * 24, a.Images[0].Length);
        // Shapes are drawn: an image is not one flat colour.
        Assert.True(a.Images[0].Max() - a.Images[0].Min() > 1);
    }

    [Fact]
    public void Split_is_by_image_and_never_shares_an_image()
    {
        var set = SyntheticShapes.Generate(50, 3, 16, seed: 1);
        var data = JobData.FromSet(set, valFraction: 0.2, splitSeed: 42, maxLength: 16);

        Assert.Equal(10, data.Split.ValImages.Count);
        Assert.Equal(40, data.Split.TrainImages.Count);
        Assert.Empty(data.Split.TrainImages.Intersect(data.Split.ValImages));
        var trainImages = data.TrainSamples.Select(s => data.Assembler.Samples[s].Image).ToHashSet();
        var valImages = data.ValSamples.Select(s => data.Assembler.Samples[s].Image).ToHashSet();
        Assert.Empty(trainImages.Intersect(valImages));
        Assert.Equal(150, data.TrainSamples.Count + data.ValSamples.Count);
        Assert.Equal(data.Split.ValImages, ImageSplit.ByImage(50, 0.2, 42).ValImages);
    }

    [Fact]
    public void Vocabulary_comes_from_training_captions_with_cls_first_and_unknown_words_mapped()
    {
        var vocabulary = CaptionVocabulary.Build(["A red circle", "a blue circle!"]);

        var ids = vocabulary.Encode("a RED square", maxLength: 8);

        Assert.Equal(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "circle", "blue", "red"], vocabulary.Words);
        Assert.Equal(new long[] { 2, 4, 7, 1, 3 }, ids);
        Assert.Equal(4, vocabulary.Encode("a b c d e f", maxLength: 4).Length);
    }

    [Fact]
    public void Batches_pad_to_the_longest_caption_and_mask_the_padding()
    {
        var set = new CaptionedImageSet(2, [Enumerable.Repeat(1f, 12).ToArray(), Enumerable.Repeat(2f, 12).ToArray()], [new(0, "x"), new(1, "y")]);
        var assembler = new BatchAssembler(set, [new TokenizedSample(0, [2, 5, 3]), new TokenizedSample(1, [2, 6, 7, 8, 3])], padId: 0);

        using var batch = assembler.Assemble([1, 0]);

        Assert.Equal(new long[] { 2, 3, 2, 2 }, batch.Images.shape);
        Assert.Equal(2f, batch.Images[0].mean().item<float>());
        Assert.Equal(1f, batch.Images[1].mean().item<float>());
        Assert.Equal(new long[] { 2, 6, 7, 8, 3, 2, 5, 3, 0, 0 }, batch.Ids.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }, batch.Mask.data<long>().ToArray());
    }

    [Fact]
    public void Prefetched_batches_arrive_in_order_and_complete()
    {
        var set = SyntheticShapes.Generate(30, 2, 16, seed: 2);
        var data = JobData.FromSet(set, 0.2, 1, 16);
        var plan = data.TrainSamples.Chunk(7).ToList();

        var arrived = 0;
        foreach (var batch in BatchPrefetcher.Prefetch(data.Assembler, plan, depth: 3))
        {
            // Each batch holds the pairs of its place in the plan, not merely as many of them.
            using (batch)
            using (var expected = data.Assembler.Assemble(plan[arrived]))
            {
                Assert.Equal(expected.Ids.data<long>().ToArray(), batch.Ids.data<long>().ToArray());
                Assert.True(expected.Images.eq(batch.Images).all().item<bool>(), $"batch {arrived} holds other images");
            }

            arrived++;
        }

        Assert.Equal(plan.Count, arrived);
    }
}
