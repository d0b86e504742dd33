using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Networks.EfficientNet;
using Orchestrator.Worker.Engine.Networks.MobileNet;
using Orchestrator.Worker.Engine.Networks.ResNet;
using Orchestrator.Worker.Engine.Networks.Weights;
using TorchSharp;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>
/// One registered image tower: its constructor, the smallest square input it accepts (from the shared
/// <see cref="EncoderCatalog"/>, which the coordinator validates specs against) and, for TorchVision
/// towers, the full 1000-class classifier it is cut from (published parameter counts refer to that).
/// </summary>
public sealed record ImageTowerEntry(string Name, int MinImageSize, Func<ImageTower> Create, Func<torch.nn.Module>? CreateClassifier)
{
    /// <summary>Cuts a classifier with published weights loaded into the tower; null for towers not cut from one.</summary>
    public Func<torch.nn.Module, ImageTower>? CutPretrained { get; init; }

    /// <summary>
    /// The tower starting from a torchvision `.pth` state_dict. The file goes into the whole classifier first, so
    /// its keys and shapes are checked against torchvision's own, head included; the head is then cut away.
    /// </summary>
    /// <exception cref="WeightLoadException">Keys or shapes differ; the message lists them.</exception>
    public ImageTower CreateFromWeights(string path)
    {
        if (CreateClassifier is null || CutPretrained is null)
        {
            throw new WeightLoadException($"{Name} is not a torchvision classifier and has no pretrained weights");
        }

        var classifier = CreateClassifier();
        try
        {
            ImageTowerWeights.Load(classifier, path, TorchvisionClassifiers.UnbuiltParts(Name));
        }
        catch
        {
            classifier.Dispose();
            throw;
        }

        // The tower keeps the classifier's own stage modules, so what was loaded is what trains.
        return CutPretrained(classifier);
    }

    /// <summary>
    /// The tower <see cref="CreateFromWeights"/> builds, without reading a file, for a checkpoint that holds its
    /// weights: GoogLeNet and Inception keep the input rescaling their published weights expect.
    /// </summary>
    public ImageTower CreateForCheckpoint() =>
        CreateClassifier is null || CutPretrained is null
            ? throw new WeightLoadException($"{Name} is not a torchvision classifier and has no pretrained weights")
            : CutPretrained(CreateClassifier());
}

/// <summary>Maps a spec's encoder name to its image tower.</summary>
public static class ImageTowerRegistry
{
    // TorchVision children that make up each classifier's pooling and head; everything else is kept.
    private static readonly HashSet<string> ResNetHead = ["avgpool", "flatten", "fc"];
    private static readonly HashSet<string> MobileNetV2Head = ["classifier"];
    private static readonly HashSet<string> MobileNetV3Head = ["avgpool", "classifier"];
    private static readonly HashSet<string> GoogLeNetHead = ["avgpool", "dropout", "fc"];
    private static readonly HashSet<string> InceptionV3Head = ["AuxLogits", "avgpool", "dropout", "fc"];
    private static readonly HashSet<string> EfficientNetHead = ["avgpool", "classifier"];

    private static readonly Dictionary<string, ImageTowerEntry> Entries = new[]
    {
        // Ports with torchvision's names, channels-last, whose 1×1 convolutions are matrix products (see ResNetClassifier).
        TorchVision("resnet18", () => ResNetClassifier.ResNet18(), ResNetHead),
        TorchVision("resnet50", () => ResNetClassifier.ResNet50(), ResNetHead),
        TorchVision("mobilenet_v2", () => new MobileNetV2(), MobileNetV2Head),
        TorchVision("mobilenet_v3_small", () => MobileNetV3.Small(), MobileNetV3Head),
        TorchVision("mobilenet_v3_large", () => MobileNetV3.Large(), MobileNetV3Head),
        TorchVision("googlenet", () => torchvision.models.googlenet(), GoogLeNetHead, googleWeights: true),
        TorchVision("inception_v3", () => torchvision.models.inception_v3(), InceptionV3Head, googleWeights: true),
        // A port of torchvision's module (TorchVision for .NET lacks it), laid out as torchvision's: features, avgpool, classifier.
        TorchVision("efficientnet_b0", () => new EfficientNetB0(), EfficientNetHead),
        new ImageTowerEntry("tiny_cnn", EncoderCatalog.MinimumImageSize("tiny_cnn"), () => new TinyCnn(), null),
    }.ToDictionary(e => e.Name, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => Entries.Keys;

    public static bool TryGet(string name, out ImageTowerEntry entry) =>
        Entries.TryGetValue(name, out entry!);

    public static ImageTowerEntry Get(string name) =>
        TryGet(name, out var entry)
            ? entry
            : throw new ArgumentException($"unknown encoder '{name}'; known: {string.Join(", ", Names)}", nameof(name));

    // googleWeights: the published weights are Google's, trained on pixels in [-1, 1] (torchvision's transform_input).
    private static ImageTowerEntry TorchVision(string name, Func<torch.nn.Module> classifier, HashSet<string> head, bool googleWeights = false) =>
        new(name, EncoderCatalog.MinimumImageSize(name), () => new TorchVisionImageTower(name, classifier(), head), classifier)
        {
            CutPretrained = loaded => new TorchVisionImageTower(name, loaded, head, rescaleToUnitRange: googleWeights),
        };
}
