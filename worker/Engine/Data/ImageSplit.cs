namespace Orchestrator.Worker.Engine.Data;

/// <summary>
/// A split of a set by image, never by caption, so no image (and none of its captions) is in both parts.
/// </summary>
public sealed record ImageSplit(IReadOnlyList<int> TrainImages, IReadOnlyList<int> ValImages)
{
    public static ImageSplit ByImage(int imageCount, double valFraction, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(imageCount, 2);
        if (valFraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(valFraction), valFraction, "must lie strictly between 0 and 1");
        }

        var order = Enumerable.Range(0, imageCount).ToArray();
        new Random(seed).Shuffle(order);
        var valCount = Math.Clamp((int)Math.Round(imageCount * valFraction), 1, imageCount - 1);
        return new ImageSplit([.. order.Skip(valCount).Order()], [.. order.Take(valCount).Order()]);
    }
}
