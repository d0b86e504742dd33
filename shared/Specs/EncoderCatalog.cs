namespace Orchestrator.Shared.Specs;

/// <summary>
/// The image towers a spec may name, with the smallest input each accepts. The training engine's registry
/// builds exactly these; the coordinator validates against this list without loading TorchSharp.
/// </summary>
public static class EncoderCatalog
{
    private static readonly Dictionary<string, int> MinimumImageSizes = new(StringComparer.Ordinal)
    {
        ["resnet18"] = 32,
        ["resnet50"] = 32,
        ["mobilenet_v2"] = 32,
        ["mobilenet_v3_small"] = 32,
        ["mobilenet_v3_large"] = 32,
        ["googlenet"] = 32,
        // torchvision documents 75 px as inception_v3's smallest input: its stem reduces 75 px to 1 px.
        ["inception_v3"] = 75,
        ["efficientnet_b0"] = 32,
        ["tiny_cnn"] = 16,
    };

    // A tower for tests; torchvision publishes ImageNet weights for every other one.
    private static readonly HashSet<string> WithoutPublishedWeights = new(StringComparer.Ordinal) { "tiny_cnn" };

    public static IReadOnlyCollection<string> Names => MinimumImageSizes.Keys;

    /// <summary>Whether published (ImageNet) weights exist for the tower, so `pretrained` can mean something for it.</summary>
    public static bool HasPublishedWeights(string name) => IsKnown(name) && !WithoutPublishedWeights.Contains(name);

    public static bool IsKnown(string name) => MinimumImageSizes.ContainsKey(name);

    public static int MinimumImageSize(string name) =>
        MinimumImageSizes.TryGetValue(name, out var size) ? size : throw new ArgumentException($"unknown encoder '{name}'", nameof(name));
}
