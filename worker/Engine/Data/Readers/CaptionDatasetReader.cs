using Orchestrator.Shared.Specs;

namespace Orchestrator.Worker.Engine.Data.Readers;

/// <summary>Reads the dataset a spec names (format, images, captions/annotations) and splits it by image.</summary>
public static class CaptionDatasetReader
{
    public static CaptionDataset Read(DatasetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec.Images))
        {
            throw new DatasetFormatException($"dataset.images is not set (format {spec.Format})");
        }

        var images = new ImageFolder(spec.Images);
        var dataset = spec.Format switch
        {
            "captions-csv" => CaptionsCsvReader.Read(spec.Captions, images),
            "flickr8k-token" => Flickr8kTokenReader.Read(spec.Captions, images),
            "karpathy-json" => KarpathyJsonReader.Read(spec.Annotations, images),
            "coco-captions" => CocoCaptionsReader.Read(spec.Annotations, images),
            _ => throw new DatasetFormatException($"dataset.format '{spec.Format}' is not a file format; expected captions-csv, flickr8k-token, karpathy-json or coco-captions"),
        };
        if (dataset.Pairs.Count == 0)
        {
            throw new DatasetFormatException($"no usable image-caption pair in {spec.Captions ?? spec.Annotations} with images in {spec.Images} ({dataset.MissingImages.Count} referenced images are absent)");
        }

        return ImageSplitter.Assign(dataset, spec.ValFraction, spec.SplitSeed);
    }
}
