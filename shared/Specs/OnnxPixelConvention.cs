using System.Text.Json.Serialization;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// What an ONNX image tower expects as input: channel order, the scale of a pixel value (1: 0–1, 255: 0–255),
/// then per channel (in the model's channel order, after reordering) <c>(value − mean) / std</c>.
/// </summary>
public sealed record OnnxPixelConvention
{
    public const string Rgb = "rgb";
    public const string Bgr = "bgr";

    public static IReadOnlyList<string> ChannelOrders { get; } = [Rgb, Bgr];

    public static IReadOnlyList<int> Scales { get; } = [1, 255];

    /// <summary>torchvision's convention (ImageNet mean and std on RGB in 0–1), the default when a definition names none.</summary>
    public static OnnxPixelConvention TorchVision { get; } = new()
    {
        Channels = Rgb,
        Scale = 1,
        Mean = [0.485, 0.456, 0.406],
        Std = [0.229, 0.224, 0.225],
    };

    [JsonPropertyName("channels")]
    public string Channels { get; init; } = Rgb;

    [JsonPropertyName("scale")]
    public int Scale { get; init; } = 1;

    [JsonPropertyName("mean")]
    public IReadOnlyList<double> Mean { get; init; } = [0, 0, 0];

    [JsonPropertyName("std")]
    public IReadOnlyList<double> Std { get; init; } = [1, 1, 1];
}
