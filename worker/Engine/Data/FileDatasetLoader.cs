using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Data.Images;
using Orchestrator.Worker.Engine.Data.Readers;

namespace Orchestrator.Worker.Engine.Data;

/// <summary>
/// A caption-file dataset (captions-csv, flickr8k-token, karpathy-json, coco-captions) decoded into memory for one
/// job: images decoded in parallel on every core (once per machine: see <see cref="DecodedImageCache"/>) and resized
/// as the spec says; images referenced but absent, or corrupt, are skipped and counted. The file's own split is kept (test counts as held out), else the reader's
/// seeded split by image.
/// </summary>
public static class FileDatasetLoader
{
    public sealed record Loaded(CaptionedImageSet Set, ImageSplit Split, int SkippedImages, IReadOnlyList<string> SkipReasons);

    /// <summary>Reads, decodes (or finds in the cache in <paramref name="cacheDirectory"/>, else the user's) and splits the dataset.</summary>
    public static Loaded Load(DatasetSpec spec, int imageSize, string? cacheDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        CaptionDataset dataset;
        try
        {
            dataset = CaptionDatasetReader.Read(spec);
        }
        catch (FileNotFoundException ex)
        {
            throw new DatasetFormatException(ex.Message, ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new DatasetFormatException(ex.Message, ex);
        }

        // Decoded, resized images are cached on local disk (keyed by the files and the size), so the other jobs of
        // a sweep on this machine decode nothing; within a job they are then held in memory for every epoch.
        var paths = dataset.Images;
        using var cache = DecodedImageCache.OpenOrBuild(paths, new ImageDecoder(imageSize, ResizeModes.Parse(spec.Resize)), cacheDirectory);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var images = new List<float[]>();
        var reasons = dataset.MissingImages.Select(m => $"{m}: referenced but absent")
            .Concat(cache.SkippedImages.Select(s => $"{s.Path}: {s.Reason}"))
            .ToList();
        var pixels = new byte[cache.ImageBytes];
        for (var i = 0; i < paths.Count; i++)
        {
            if (!cache.IsUsable(i))
            {
                continue;
            }

            index[paths[i]] = images.Count;
            images.Add(cache.NormalisedChw(i, pixels));
        }

        var captions = new List<Caption>();
        var split = new DatasetSplit?[images.Count];
        foreach (var pair in dataset.Pairs)
        {
            if (index.TryGetValue(pair.ImagePath, out var i))
            {
                captions.Add(new Caption(i, pair.Caption));
                split[i] = pair.Split;
            }
        }

        var train = Enumerable.Range(0, images.Count).Where(i => split[i] == DatasetSplit.Train).ToList();
        var heldOut = Enumerable.Range(0, images.Count).Where(i => split[i] is DatasetSplit.Val or DatasetSplit.Test).ToList();
        if (images.Count == 0)
        {
            throw new DatasetFormatException(
                $"no usable image-caption pair: none of the {paths.Count} images in {spec.Images} could be decoded (first: {reasons.FirstOrDefault()})");
        }

        if (train.Count == 0 || heldOut.Count == 0)
        {
            throw new DatasetFormatException(
                $"no usable split: {train.Count} training and {heldOut.Count} held-out images could be decoded from {spec.Images} ({reasons.Count} skipped)");
        }

        return new Loaded(new CaptionedImageSet(imageSize, images, captions), new ImageSplit(train, heldOut), reasons.Count, reasons);
    }
}
