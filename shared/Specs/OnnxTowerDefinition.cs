using System.Text.Json.Serialization;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// An image or text tower read from an ONNX model file (a spec's `onnx_towers:` entry, or a built-in one of
/// <see cref="OnnxTowerCatalog"/>), as a job carries it: resolved, with defaults that do not depend on the
/// graph filled in, so the job key covers what runs (and, through <see cref="Sha256"/>, the file itself).
/// </summary>
public sealed record OnnxTowerDefinition
{
    public const string ImageKind = "image";
    public const string TextKind = "text";
    public const string PoolNone = "none";
    public const string PoolMean = "mean";
    public const string PoolCls = "cls";

    public static IReadOnlyList<string> Kinds { get; } = [ImageKind, TextKind];

    public static IReadOnlyList<string> ImagePools { get; } = [PoolNone, PoolMean];

    public static IReadOnlyList<string> TextPools { get; } = [PoolCls, PoolMean];

    /// <summary>`image` or `text`.</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>The .onnx file; a relative path is taken from the worker's weights directory.</summary>
    [JsonPropertyName("model")]
    public required string Model { get; init; }

    /// <summary>SHA-256 (hex, lower case) the model file must have; null: not checked (the worker reports what it used).</summary>
    [JsonPropertyName("sha256")]
    public string? Sha256 { get; init; }

    /// <summary>The graph value the tower returns; null: the graph's only output.</summary>
    [JsonPropertyName("output")]
    public string? Output { get; init; }

    /// <summary>
    /// Image: `none` or `mean` (global average over H×W of a 4-D output; null: mean when the output is 4-D).
    /// Text: `cls` (first token) or `mean` (over the attention mask).
    /// </summary>
    [JsonPropertyName("pool")]
    public string? Pool { get; init; }

    /// <summary>Image: the graph input that takes the pixels; null: the graph's only input.</summary>
    [JsonPropertyName("input")]
    public string? Input { get; init; }

    /// <summary>Image: the input convention; null when <see cref="Preprocess"/> is given.</summary>
    [JsonPropertyName("pixels")]
    public OnnxPixelConvention? Pixels { get; init; }

    /// <summary>Image: a graph from RGB 0–255 pixels to the model's input, instead of <see cref="Pixels"/>.</summary>
    [JsonPropertyName("preprocess")]
    public string? Preprocess { get; init; }

    /// <summary>Text: the WordPiece vocab.txt the captions are tokenised with.</summary>
    [JsonPropertyName("vocabulary")]
    public string? Vocabulary { get; init; }

    /// <summary>Text: lower-case (and strip accents) before WordPiece, as an uncased BERT vocabulary expects.</summary>
    [JsonPropertyName("lowercase")]
    public bool? Lowercase { get; init; }

    [JsonIgnore]
    public bool IsImage => Kind == ImageKind;

    [JsonIgnore]
    public bool IsText => Kind == TextKind;
}
