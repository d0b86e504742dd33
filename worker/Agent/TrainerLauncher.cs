using System.Globalization;
using System.Reflection;
using Orchestrator.Shared.Configuration;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Agent;

/// <summary>Builds the command line of a trainer child: this same program, `train`, pinned to the slot's device.</summary>
public sealed class TrainerLauncher(AgentOptions options)
{
    public TrainerLaunch For(Slot slot, string jobDirectory, bool resume)
    {
        ArgumentNullException.ThrowIfNull(slot);
        var (program, prefix) = SelfCommand();
        var arguments = new List<string>(prefix)
        {
            "train",
            "--leased-job", Path.Combine(jobDirectory, TrainerLayout.JobFile),
            "--out", jobDirectory,
            "--device", slot.IsCuda ? "cuda" : "cpu",
            "--weights-dir", options.WeightsDirectory,
        };
        if (slot.Threads > 0)
        {
            arguments.AddRange(["--threads", slot.Threads.ToString(CultureInfo.InvariantCulture)]);
        }

        if (resume)
        {
            arguments.Add("--resume");
        }

        if (!string.IsNullOrWhiteSpace(options.DataRoot))
        {
            arguments.AddRange(["--data-root", options.DataRoot]);
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (slot.VisibleDevice is { } visible)
        {
            environment[EnvironmentVariables.CudaVisibleDevices] = visible; // the child sees only its GPU, as cuda:0
        }

        return new TrainerLaunch(program, arguments, environment);
    }

    /// <summary>`orch-worker` as started: the apphost itself, or `dotnet orch-worker.dll`.</summary>
    private static (string Program, IReadOnlyList<string> Prefix) SelfCommand()
    {
        var processPath = Environment.ProcessPath ?? "dotnet";
        var isDotnetHost = Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return isDotnetHost ? (processPath, [Assembly.GetEntryAssembly()!.Location]) : (processPath, []);
    }
}
