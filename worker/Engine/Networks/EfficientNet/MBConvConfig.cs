namespace Orchestrator.Worker.Engine.Networks.EfficientNet;

/// <summary>One stage of torchvision's MBConv table (width and depth multipliers already applied).</summary>
public sealed record MBConvConfig(int ExpandRatio, int Kernel, int Stride, int InputChannels, int OutputChannels, int Layers)
{
    public int ExpandedChannels => InputChannels * ExpandRatio;

    /// <summary>torchvision's `_efficientnet_conf("efficientnet_b0", width_mult=1.0, depth_mult=1.0)`.</summary>
    public static IReadOnlyList<MBConvConfig> B0 { get; } =
    [
        new(1, 3, 1, 32, 16, 1),
        new(6, 3, 2, 16, 24, 2),
        new(6, 5, 2, 24, 40, 2),
        new(6, 3, 2, 40, 80, 3),
        new(6, 5, 1, 80, 112, 3),
        new(6, 5, 2, 112, 192, 4),
        new(6, 3, 1, 192, 320, 1),
    ];
}
