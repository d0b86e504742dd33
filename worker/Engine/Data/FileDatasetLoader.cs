using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Data.Images;
using Orchestrator.Worker.Data.Readers;

namespace Orchestrator.Worker.Engine.Data;

/// <summary>
/// A caption-file dataset (captions-csv, flickr8k-token, karpathy-json, coco-captions) decoded into memory for one
/// job: images decoded in parallel on every core and resized as the spec says; images referenced but absent, or
/// corrupt, are skipped and counted. The file's own split is kept (test counts as held out), else the reader's
/// seeded split by image.
/// </summary>
public static class FileDatasetLoader
{
    public sealed record Loaded(CaptionedImageSet Set, ImageSplit Split, int SkippedImages, IReadOnlyList<string> SkipReasons);

    public static Loaded Load(DatasetSpec spec, int imageSize)
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

        var paths = dataset.Images;
        var decoded = ParallelImageDecoder.DecodeAll(new ImageDecoder(imageSize, ResizeModes.Parse(spec.Resize)), paths);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var images = new List<float[]>();
        var splitOf = new List<DatasetSplit>();
        var reasons = dataset.MissingImages.Select(m => $"{m}: referenced but absent").ToList();
        foreach (var image in decoded)
        {
            if (image.IsSkipped)
            {
                reasons.Add($"{image.Path}: {image.SkipReason}");
                continue;
            }

            index[image.Path] = images.Count;
            images.Add(ImagePixels.NormalisedChwFromRgb(image.Pixels!, imageSize));
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
        if (train.Count == 0 || heldOut.Count == 0)
        {
            throw new DatasetFormatException(
                $"no usable split: {train.Count} training and {heldOut.Count} held-out images could be decoded from {spec.Images} ({reasons.Count} skipped)");
        }

        return new Loaded(new CaptionedImageSet(imageSize, images, captions), new ImageSplit(train, heldOut), reasons.Count, reasons);
    }
}
