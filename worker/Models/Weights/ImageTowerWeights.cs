using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Models.Weights;

/// <summary>
/// Puts a torchvision `.pth` state_dict into an image tower before training: keys and shapes are compared
/// first, and any missing, unexpected or mis-shaped key fails the load with the list (first 20 and a count);
/// only an exact match is loaded, through TorchSharp.PyBridge. Nothing is ever downloaded.
/// </summary>
public static class ImageTowerWeights
{
    public static StateDictComparison Inspect(nn.Module module, string path) =>
        StateDictComparison.Compare(ModuleShapes.Of(module), PthStateDictShapes.Read(path));

    /// <summary>Loads <paramref name="path"/> into <paramref name="module"/> or throws <see cref="WeightLoadException"/>.</summary>
    public static void Load(nn.Module module, string path)
    {
        var comparison = Inspect(module, path);
        if (!comparison.IsMatch)
        {
            throw new WeightLoadException($"{path} does not fit {module.GetName()}:{Environment.NewLine}{comparison.Describe()}")
            {
                Comparison = comparison,
            };
        }

        module.load_py(path, strict: true);
    }

    /// <summary>
    /// `pretrained: true` without a path: torchvision's file name for <paramref name="encoder"/> in
    /// <paramref name="weightsDirectory"/>, or an error naming the file and where to get it.
    /// </summary>
    public static string ResolvePretrained(string encoder, string? weightsDirectory)
    {
        var fileName = TorchvisionClassifiers.WeightFileName(encoder);
        var howTo = $"nothing is downloaded: fetch {TorchvisionClassifiers.WeightSource(encoder)} yourself and place it there, " +
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
