namespace Orchestrator.Worker.Engine.Data.Readers;

/// <summary>
/// A seeded split by image for files without one: every caption of an image lands in the same split, so no
/// image is both trained on and evaluated. Images are ordered by path before shuffling, so the split depends only
/// on the set of images and the seed, not on file order.
/// </summary>
public static class ImageSplitter
{
    public static CaptionDataset Assign(CaptionDataset dataset, double valFraction, int seed)
    {
        if (dataset.Pairs.All(p => p.Split is not null))
        {
            return dataset;
        }

        ArgumentOutOfRangeException.ThrowIfNegative(valFraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(valFraction, 1.0);
        var images = dataset.Pairs.Select(p => p.ImagePath).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        // System.Random with a seed is the stable legacy generator, the same on every .NET version.
        new Random(seed).Shuffle(images);
        var held = (int)Math.Round(images.Length * valFraction, MidpointRounding.AwayFromZero);
        var validation = images.Take(held).ToHashSet(StringComparer.Ordinal);
        var pairs = dataset.Pairs
            .Select(p => p.Split is not null ? p : p with { Split = validation.Contains(p.ImagePath) ? DatasetSplit.Val : DatasetSplit.Train })
            .ToList();
        return dataset with { Pairs = pairs };
    }
}
