namespace Orchestrator.Worker.Engine.Data.Images;

/// <summary>
/// An image decoded and resized to Size×Size RGB uint8 (HWC), or the reason it was skipped: a corrupt, truncated
/// or missing file is a skipped image, counted and reported, never an exception through the pipeline.
/// </summary>
public sealed record DecodedImage(string Path, byte[]? Pixels, string? SkipReason)
{
    public bool IsSkipped => Pixels is null;

    public static DecodedImage Skipped(string path, string reason) => new(path, null, reason);
}
