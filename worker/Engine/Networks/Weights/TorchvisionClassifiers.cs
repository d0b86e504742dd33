using Orchestrator.Worker.Engine.Networks.EfficientNet;
using Orchestrator.Worker.Engine.Networks.MobileNet;
using Orchestrator.Worker.Engine.Networks.ResNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.Weights;

/// <summary>
/// The image towers as torchvision builds them, with the 1000-class head, so a torchvision `.pth` state_dict
/// loads key for key; and the file names torchvision publishes their ImageNet weights under.
/// </summary>
public static class TorchvisionClassifiers
{
    // torchvision's documented IMAGENET1K_V1 weight files (the URLs end in these names).
    private static readonly Dictionary<string, string> WeightFiles = new(StringComparer.Ordinal)
    {
        ["resnet18"] = "resnet18-f37072fd.pth",
        ["resnet50"] = "resnet50-0676ba61.pth",
        ["mobilenet_v2"] = "mobilenet_v2-b0353104.pth",
        ["mobilenet_v3_small"] = "mobilenet_v3_small-047dcff4.pth",
        ["mobilenet_v3_large"] = "mobilenet_v3_large-8738ca79.pth",
        ["googlenet"] = "googlenet-1378be20.pth",
        ["inception_v3"] = "inception_v3_google-0cc3c7bd.pth",
        ["efficientnet_b0"] = "efficientnet_b0_rwightman-7f5810bc.pth",
    };

    // torchvision trains GoogLeNet with its two auxiliary classifiers and publishes them in the file (it loads the
    // file into a model built with aux_logits=True, then drops them); TorchVision for .NET never builds them. They
    // feed only training-time side losses, so their keys are left in the file unread.
    private static readonly Dictionary<string, string[]> UnbuiltKeyPrefixes = new(StringComparer.Ordinal)
    {
        ["googlenet"] = ["aux1.", "aux2."],
    };

    public static IReadOnlyCollection<string> Names => WeightFiles.Keys;

    /// <summary>Key prefixes of the published file that belong to parts this port does not build (empty for most).</summary>
    public static IReadOnlyList<string> UnbuiltParts(string name) => UnbuiltKeyPrefixes.GetValueOrDefault(name, []);

    /// <summary>torchvision's file name for the model's ImageNet weights, e.g. resnet50-0676ba61.pth.</summary>
    public static string WeightFileName(string name) =>
        WeightFiles.TryGetValue(name, out var file) ? file : throw new ArgumentException($"no torchvision weights are known for '{name}'", nameof(name));

    /// <summary>Where torchvision publishes that file, for messages (downloads go through Weights/WeightsCatalog, whose base URL a mirror can replace).</summary>
    public static string WeightSource(string name) => $"https://download.pytorch.org/models/{WeightFileName(name)}";

    public static nn.Module<Tensor, Tensor> Create(string name) => name switch
    {
        "resnet18" => ResNetClassifier.ResNet18(),
        "resnet50" => ResNetClassifier.ResNet50(),
        "mobilenet_v2" => new MobileNetV2(),
        "mobilenet_v3_small" => MobileNetV3.Small(),
        "mobilenet_v3_large" => MobileNetV3.Large(),
        "googlenet" => torchvision.models.googlenet(),
        "inception_v3" => torchvision.models.inception_v3(),
        "efficientnet_b0" => new EfficientNetB0(),
        _ => throw new ArgumentException($"unknown image tower '{name}'; known: {string.Join(", ", WeightFiles.Keys)}", nameof(name)),
    };
}
