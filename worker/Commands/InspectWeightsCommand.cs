using System.CommandLine;
using Orchestrator.Worker.Engine.Networks.DistilBert;
using Orchestrator.Worker.Engine.Networks.Weights;

namespace Orchestrator.Worker.Commands;

/// <summary>
/// `orch-worker inspect-weights --encoder NAME --weights PATH`: says whether a file loads into a tower and
/// which keys differ, so a user can check before queuing a sweep. Exit code 0 when it loads, 1 when it does
/// not, 2 for a wrong command line.
/// </summary>
public static class InspectWeightsCommand
{
    public const string Name = "inspect-weights";

    private static readonly string[] TextTowers = ["distilbert", "distilbert-base-uncased"];

    public static Command Create()
    {
        var encoder = new Option<string>("--encoder")
        {
            Description = $"the tower: an image tower ({string.Join(", ", TorchvisionClassifiers.Names)}) or a text tower ({string.Join(", ", TextTowers)})",
            Required = true,
        };
        var weights = new Option<string>("--weights") { Description = "a torchvision .pth file, or a Hugging Face folder (or its model.safetensors beside config.json)", Required = true };
        var command = new Command(Name, "Check that a weights file loads into a tower, and list the keys that differ; exit 0 when it loads, 1 when not.\n" +
                                        "Example: orch-worker inspect-weights --encoder resnet18 --weights ~/.cache/orchestrator/weights/resnet18-f37072fd.pth")
        {
            encoder, weights,
        };
        command.SetAction(parse => Run(parse.GetValue(encoder)!, parse.GetValue(weights)!, parse.InvocationConfiguration.Output));
        return command;
    }

    /// <summary>`orch-worker inspect-weights ARGS` in this process, through the same command line; errors go to the same writer.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output) => WorkerCli.Run([Name, .. args], output, output);

    private static int Run(string encoder, string weights, TextWriter output)
    {
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
}
