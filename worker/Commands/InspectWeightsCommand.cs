using Orchestrator.Worker.Engine.Networks.DistilBert;
using Orchestrator.Worker.Engine.Networks.Weights;

namespace Orchestrator.Worker.Commands;

/// <summary>
/// `orch-worker inspect-weights --encoder NAME --weights PATH`: says whether a file loads into a tower and
/// which keys differ, so a user can check before queuing a sweep. Exit code 0 when it loads, 1 when it does
/// not, 2 for a usage error.
/// </summary>
public static class InspectWeightsCommand
{
    public const string Name = "inspect-weights";

    private static readonly string[] TextTowers = ["distilbert", "distilbert-base-uncased"];

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var encoder = Option(args, "--encoder");
        var weights = Option(args, "--weights");
        if (encoder is null || weights is null)
        {
            output.WriteLine($"usage: orch-worker {Name} --encoder NAME --weights PATH");
            output.WriteLine($"  image towers: {string.Join(", ", TorchvisionClassifiers.Names)} (torchvision .pth)");
            output.WriteLine($"  text towers: {string.Join(", ", TextTowers)} (Hugging Face folder or model.safetensors beside config.json)");
            return 2;
        }

        try
        {
            var comparison = Inspect(encoder, weights);
            output.WriteLine($"{(comparison.IsMatch ? "LOADS" : "DOES NOT LOAD")}: {weights} into {encoder}");
            output.WriteLine(comparison.Describe());
            return comparison.IsMatch ? 0 : 1;
        }
        catch (Exception e) when (e is WeightLoadException or IOException or InvalidDataException or ArgumentException or System.Text.Json.JsonException)
        {
            output.WriteLine($"DOES NOT LOAD: {e.Message}");
            return 1;
        }
    }

    private static StateDictComparison Inspect(string encoder, string weights)
    {
        if (TextTowers.Contains(encoder, StringComparer.Ordinal))
        {
            var folder = Directory.Exists(weights) ? weights : Path.GetDirectoryName(Path.GetFullPath(weights))!;
            var file = Directory.Exists(weights) ? Path.Combine(weights, DistilBertFolder.WeightsFile) : weights;
            using var model = new DistilBertModel(DistilBertConfig.Load(Path.Combine(folder, DistilBertFolder.ConfigFile)));
            return DistilBertFolder.Inspect(model, file);
        }

        using var tower = TorchvisionClassifiers.Create(encoder);
        return ImageTowerWeights.Inspect(tower, weights, TorchvisionClassifiers.UnbuiltParts(encoder));
    }

    private static string? Option(IReadOnlyList<string> args, string name)
    {
        for (var i = 0; i + 1 < args.Count; i++)
        {
            if (args[i] == name)
            {
                return args[i + 1];
            }
        }

        return null;
    }
}
