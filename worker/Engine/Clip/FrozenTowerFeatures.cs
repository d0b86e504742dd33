using System.Diagnostics;
using Orchestrator.Worker.Engine.Data;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Clip;

/// <summary>
/// The frozen towers' outputs for every image and caption of a job, computed once. Frozen towers run in eval mode
/// with fixed weights and the images are not augmented, so every epoch would compute exactly these values again:
/// with ResNet-18 at 224 px that forward pass is nearly all of a frozen epoch's time (measured: ~2 s per batch of
/// 32 against milliseconds for the heads). Held on the training device; a few hundred megabytes even for Flickr30k.
/// </summary>
public sealed class FrozenTowerFeatures : IDisposable
{
    private const int ExtractBatch = 64;
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(10);

    private readonly Tensor images;
    private readonly Tensor texts;
    private readonly long[] imageOfSample;

    private FrozenTowerFeatures(Tensor images, Tensor texts, long[] imageOfSample, TimeSpan elapsed)
    {
        this.images = images;
        this.texts = texts;
        this.imageOfSample = imageOfSample;
        Elapsed = elapsed;
    }

    /// <summary>How long the extraction took: training time, charged to the first epoch trained after it.</summary>
    public TimeSpan Elapsed { get; }

    public long ImageCount => images.shape[0];

    public long CaptionCount => texts.shape[0];

    /// <summary>Runs both towers (in eval mode, without gradients) over all of <paramref name="data"/>'s images and captions.</summary>
    public static FrozenTowerFeatures Compute(ClipModel model, JobData data, Device device, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(log);
        var started = Stopwatch.GetTimestamp();
        model.ImageTower.eval();
        model.TextTower.eval();
        using var noGrad = no_grad();
        var samples = data.Assembler.Samples;
        var progress = new ExtractionProgress(data.Set.Images.Count + samples.Count, log);

        var imageIndices = Enumerable.Range(0, data.Set.Images.Count).ToArray();
        var images = Extract(imageIndices, device, progress, chunk => model.ImageTower.call(data.Assembler.ImagesOf(chunk).to(device)));

        // Captions in order of length, so each batch pads to nearly its own length, then put back in sample order.
        var byLength = Enumerable.Range(0, samples.Count).OrderBy(s => samples[s].Ids.Length).ToArray();
        var texts = Extract(byLength, device, progress, chunk =>
        {
            var (ids, mask) = data.Assembler.TokensOf(chunk);
            return model.TextTower.call(ids.to(device), mask.to(device));
        });

        var elapsed = Stopwatch.GetElapsedTime(started);
        log($"frozen towers: features of {imageIndices.Length} images and {samples.Count} captions computed once in {elapsed.TotalSeconds:F1} s; epochs train the heads on them");
        return new FrozenTowerFeatures(images, texts, [.. samples.Select(s => (long)s.Image)], elapsed);
    }

    /// <summary>
    /// Rows of the tower's output for <paramref name="order"/>, stored at those indices: row i of the result is item i,
    /// whatever order the items were computed in.
    /// </summary>
    private static Tensor Extract(int[] order, Device device, ExtractionProgress progress, Func<int[], Tensor> tower)
    {
        Tensor? all = null;
        foreach (var chunk in order.Chunk(ExtractBatch))
        {
            using var scope = NewDisposeScope();
            var features = tower(chunk);
            all ??= zeros([order.Length, features.shape[1]], features.dtype, device).DetachFromDisposeScope();
            all.index_copy_(0, tensor(chunk.Select(i => (long)i).ToArray(), device: device), features);
            progress.Advance(chunk.Length);
        }

        return all ?? throw new InvalidOperationException("frozen towers: there is nothing to compute features of");
    }

    /// <summary>Image features of the images the captions <paramref name="samples"/> belong to, one row per caption.</summary>
    public Tensor ImagesOfSamples(IReadOnlyList<int> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return Rows(images, samples.Select(s => imageOfSample[s]));
    }

    public Tensor ImagesOf(IReadOnlyList<int> imageIndices)
    {
        ArgumentNullException.ThrowIfNull(imageIndices);
        return Rows(images, imageIndices.Select(i => (long)i));
    }

    public Tensor TextsOf(IReadOnlyList<int> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return Rows(texts, samples.Select(s => (long)s));
    }

    /// <summary>The captions <paramref name="samples"/> and their images through <paramref name="model"/>'s heads alone.</summary>
    public (Tensor Image, Tensor Text) EmbedPairs(ClipModel model, IReadOnlyList<int> samples)
    {
        ArgumentNullException.ThrowIfNull(model);
        return (model.ProjectImageFeatures(ImagesOfSamples(samples)), model.ProjectTextFeatures(TextsOf(samples)));
    }

    private static Tensor Rows(Tensor features, IEnumerable<long> rows) =>
        features.index_select(0, tensor(rows.ToArray(), device: features.device));

    public void Dispose()
    {
        images.Dispose();
        texts.Dispose();
    }

    /// <summary>A line every ten seconds: on CPU a 224-px ResNet over a thousand images takes a minute or more.</summary>
    private sealed class ExtractionProgress(int total, Action<string> log)
    {
        private long lastLine = Stopwatch.GetTimestamp();
        private int done;

        public void Advance(int count)
        {
            done += count;
            if (Stopwatch.GetElapsedTime(lastLine) >= ProgressEvery && done < total)
            {
                log($"frozen towers: features {done}/{total} ({100.0 * done / total:F0} %)");
                lastLine = Stopwatch.GetTimestamp();
            }
        }
    }
}
