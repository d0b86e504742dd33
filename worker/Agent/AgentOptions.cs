using Orchestrator.Shared.Configuration;
using Orchestrator.Worker.Engine;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// How `orch-worker` runs on a machine. Bound from the "Agent" configuration section, environment variables
/// (ORCH_AGENT__COORDINATOR, …) and the command line, the usual .NET way.
/// </summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>
    /// The coordinator's gRPC address, or several comma-separated (coordinators sharing one database): the agent
    /// uses the first and moves to the next when the one it uses cannot be reached.
    /// </summary>
    public string Coordinator { get; set; } = "http://127.0.0.1:50051";

    /// <summary>The worker bearer token.</summary>
    public string Token { get; set; } = string.Empty;

    /// <summary>
    /// A PEM file of CA certificates trusted for the coordinator's TLS certificate besides the system's (`--ca`,
    /// ORCH_CA_FILE): a private CA's, or a self-signed server certificate itself. The host name is checked either way.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>Comma-separated devices, one slot each (`cuda:0,cuda:1` or `cpu`); default: every visible GPU, else one CPU slot.</summary>
    public string? Devices { get; set; }

    /// <summary>Number of CPU slots when no GPU is used (overrides the one-slot default).</summary>
    public int? Slots { get; set; }

    /// <summary>LibTorch threads of each slot's trainer; default: this machine's cores ÷ slots (at least 1).</summary>
    public int? ThreadsPerSlot { get; set; }

    public string Name { get; set; } = Environment.MachineName;

    /// <summary>Checkpoints go to CHECKPOINT_ROOT/&lt;sweep&gt;/&lt;job&gt;/; a shared folder lets another machine resume a job.</summary>
    public string CheckpointRoot { get; set; } = Path.Combine(AgentPaths.DataHome, "checkpoints");

    /// <summary>Relative dataset paths in a spec are taken from here.</summary>
    public string? DataRoot { get; set; }

    /// <summary>
    /// Pretrained weights on this machine: torchvision's `.pth` files under their published names and Hugging Face
    /// folders (distilbert-base-uncased/). Jobs read them from here and never download; see README.
    /// </summary>
    public string WeightsDirectory { get; set; } = AgentPaths.WeightsDirectory;

    /// <summary>Where the agent keeps its own state: the outbox of results not yet acknowledged.</summary>
    public string StateDirectory { get; set; } = Path.Combine(AgentPaths.DataHome, "worker");

    /// <summary>How long one LeaseJob call waits for a job before asking again.</summary>
    public TimeSpan LeaseWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Between SIGTERM and SIGKILL when a child must stop (cancel, lost lease).</summary>
    public TimeSpan KillGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the child's metric file is read for new epochs.</summary>
    public TimeSpan MetricsPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A slot whose jobs fail this many times in a row with device errors stops leasing.</summary>
    public int MaxConsecutiveDeviceFailures { get; set; } = 3;

    /// <summary>
    /// Lines of a trainer's error output the agent keeps: searched for device errors, and sent to the coordinator as
    /// the failure's text. Long enough that an exception's message survives its stack trace.
    /// </summary>
    public int ErrorTailLines { get; set; } = 40;

    /// <summary>
    /// Longest wait between retries of a coordinator call while it is unreachable. Kept well below a lease's
    /// life, so a coordinator that comes back hears the heartbeat (and the result) before the lease lapses.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Serve Prometheus metrics at http://+:PORT/metrics (`--metrics-port`); null: no listener (the default).</summary>
    public int? MetricsPort { get; set; }
}

/// <summary>Per-user folders of the worker, after the XDG base directory convention.</summary>
public static class AgentPaths
{
    /// <summary>$ORCH_WEIGHTS_DIR, else $XDG_CACHE_HOME/orchestrator/weights, else ~/.cache/orchestrator/weights.</summary>
    public static string WeightsDirectory => UserFolders.Cache("weights", EnvironmentVariables.WeightsDirectory);

    /// <summary>$XDG_DATA_HOME/orchestrator, else ~/.local/share/orchestrator.</summary>
    public static string DataHome => UserFolders.Data();
}
