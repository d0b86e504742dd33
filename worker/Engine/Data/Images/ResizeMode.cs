namespace Orchestrator.Worker.Engine.Data.Images;

/// <summary>How an image becomes a square: `squash` (the study's, aspect not kept) or `center-crop`.</summary>
public enum ResizeMode
{
    Squash,
    CenterCrop,
}

/// <summary>The spec's `resize` strings.</summary>
public static class ResizeModes
{
    public static ResizeMode Parse(string value) => value switch
    {
        "squash" => ResizeMode.Squash,
        "center-crop" or "shorter-side+center-crop" => ResizeMode.CenterCrop,
        _ => throw new ArgumentException($"resize '{value}' is not one of squash, center-crop", nameof(value)),
    };
}
