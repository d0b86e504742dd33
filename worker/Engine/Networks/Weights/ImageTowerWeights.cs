using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.Weights;

/// <summary>
/// Puts a torchvision `.pth` state_dict into an image tower before training: keys and shapes are compared
/// first, and any missing, unexpected or mis-shaped key fails the load with the list (first 20 and a count);
/// only an exact match is loaded, through TorchSharp.PyBridge. Downloads are the weights cache's (Weights/WeightsCache).
/// </summary>
public static class ImageTowerWeights
{
    /// <param name="module">The classifier the file is meant for.</param>
    /// <param name="path">A torch.save state_dict.</param>
    /// <param name="unbuiltParts">Key prefixes of file entries the module does not build (see <see cref="TorchvisionClassifiers.UnbuiltParts"/>); left out of the comparison.</param>
    public static StateDictComparison Inspect(nn.Module module, string path, IReadOnlyList<string>? unbuiltParts = null) =>
        StateDictComparison.Compare(ModuleShapes.Of(module), WithoutUnbuiltParts(PthStateDictShapes.Read(path), unbuiltParts));

    /// <summary>Loads <paramref name="path"/> into <paramref name="module"/> or throws <see cref="WeightLoadException"/>.</summary>
    public static void Load(nn.Module module, string path, IReadOnlyList<string>? unbuiltParts = null)
    {
        var comparison = Inspect(module, path, unbuiltParts);
        if (!comparison.IsMatch)
        {
            throw new WeightLoadException($"{path} does not fit {module.GetName()}:{Environment.NewLine}{comparison.Describe()}")
            {
                Comparison = comparison,
            };
        }

        // Every key the module has was just matched; a lenient load only lets the unbuilt parts' keys stay unread.
        module.load_py(path, strict: unbuiltParts is not { Count: > 0 });
    }

    private static IReadOnlyDictionary<string, long[]> WithoutUnbuiltParts(IReadOnlyDictionary<string, long[]> file, IReadOnlyList<string>? unbuiltParts) =>
        unbuiltParts is not { Count: > 0 }
            ? file
            : file.Where(p => !unbuiltParts.Any(prefix => p.Key.StartsWith(prefix, StringComparison.Ordinal))).ToDictionary(StringComparer.Ordinal);

    /// <summary>
    /// `pretrained: true` without a path: torchvision's file name for <paramref name="encoder"/> in
    /// <paramref name="weightsDirectory"/>, or an error naming the file and where to get it.
    /// </summary>
    public static string ResolvePretrained(string encoder, string? weightsDirectory)
    {
        var fileName = TorchvisionClassifiers.WeightFileName(encoder);
        var howTo = $"nothing is downloaded: fetch {TorchvisionClassifiers.WeightSource(encoder)} yourself and place it there " +
            $"(or run `orch-worker weights fetch {encoder}` where there is internet and copy the file), " +
            "or give `pretrained: {image: PATH}`, or `pretrained: false` to train from scratch";
        if (string.IsNullOrWhiteSpace(weightsDirectory))
        {
            throw new WeightLoadException($"pretrained weights for {encoder} requested but no weights directory is configured (--weights-dir or ORCH_WEIGHTS_DIR); expected a file named {fileName} in it; {howTo}");
        }

        var path = Path.Combine(weightsDirectory, fileName);
        return File.Exists(path)
            ? path
            : throw new WeightLoadException($"pretrained weights for {encoder} not found: expected {path} (torchvision's file {fileName} in the weights directory {weightsDirectory}); {howTo}");
    }
}
