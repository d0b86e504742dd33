namespace Orchestrator.Worker.Engine.Data;

/// <summary>One caption and the index of the image it describes.</summary>
public sealed record Caption(int Image, string Text);

/// <summary>
/// Decoded images held in memory as normalised CHW floats (ready to batch), and their captions. Keeping the
/// decoded pixels is what lets every epoch after the first skip decoding entirely.
/// </summary>
public sealed class CaptionedImageSet
{
    public CaptionedImageSet(int imageSize, IReadOnlyList<float[]> images, IReadOnlyList<Caption> captions)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(captions);
        var pixels = 3 * imageSize * imageSize;
        if (images.Any(i => i.Length != pixels))
        {
            throw new ArgumentException($"every image must hold 3×{imageSize}×{imageSize} floats", nameof(images));
        }

        if (captions.Any(c => c.Image < 0 || c.Image >= images.Count))
        {
            throw new ArgumentException("a caption names an image that does not exist", nameof(captions));
        }

        ImageSize = imageSize;
        Images = images;
        Captions = captions;
    }

    public int ImageSize { get; }

    public IReadOnlyList<float[]> Images { get; }

    public IReadOnlyList<Caption> Captions { get; }
}
