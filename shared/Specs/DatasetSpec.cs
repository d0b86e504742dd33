using System.Text.Json.Serialization;

namespace Orchestrator.Shared.Specs;

/// <summary>Where a sweep's image–caption pairs come from and how they are split; shared by all its jobs.</summary>
public sealed record DatasetSpec
{
    public static readonly IReadOnlyList<string> KnownFormats =
        ["synthetic", "captions-csv", "flickr8k-token", "karpathy-json", "coco-captions"];

    /// <summary>One of <see cref="KnownFormats"/>.</summary>
    [JsonPropertyName("format")]
    public string Format { get; init; } = "synthetic";

    /// <summary>Folder of the image files (file formats only).</summary>
    [JsonPropertyName("images")]
    public string? Images { get; init; }

    /// <summary>Caption file (`captions-csv`, `flickr8k-token`).</summary>
    [JsonPropertyName("captions")]
    public string? Captions { get; init; }

    /// <summary>Annotation JSON (`karpathy-json`, `coco-captions`).</summary>
    [JsonPropertyName("annotations")]
    public string? Annotations { get; init; }

    /// <summary>Share of images held out for validation when the file has no split of its own.</summary>
    [JsonPropertyName("val_fraction")]
    public double ValFraction { get; init; } = 0.2;

    /// <summary>Seed of that split; the study used 42.</summary>
    [JsonPropertyName("split_seed")]
    public int SplitSeed { get; init; } = 42;

    /// <summary>`squash` (the study's) or `center-crop` (shorter side, then centre crop).</summary>
    [JsonPropertyName("resize")]
    public string Resize { get; init; } = "squash";

    /// <summary>Synthetic format: number of generated images.</summary>
    [JsonPropertyName("synthetic_images")]
    public int SyntheticImages { get; init; } = 400;

    /// <summary>Synthetic format: distinct captions per generated image.</summary>
    [JsonPropertyName("captions_per_image")]
    public int CaptionsPerImage { get; init; } = 5;
}
