using System.CommandLine;
using Orchestrator.Worker.Agent;

namespace Orchestrator.Worker.Commands;

/// <summary>
/// `orch-worker [agent] --coordinator URL …`: the agent that serves a coordinator, also what `orch-worker` runs
/// without a command word. Each option is one key of the host's `Agent` configuration section, so
/// appsettings.json and ORCH_AGENT__* variables set the same things and the command line wins over both.
/// </summary>
public static class AgentCommand
{
    public const string Name = "agent";

    public const string Description = "Serve a coordinator: register this machine and run one lease loop per slot (the default without a command word).\n" +
                                      "Options also come from appsettings.json (Agent:*) and ORCH_AGENT__* environment variables.\n" +
                                      "Example: orch-worker --coordinator https://10.0.0.5:50051 --ca ca.crt --checkpoint-root /shared/checkpoints";

    public static Command Create()
    {
        var command = new Command(Name, Description);
        AddTo(command);
        return command;
    }

    /// <summary>Gives a command (the root, or `agent`) the agent's options and its action.</summary>
    public static void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var options = new (Option<string?> Option, string Key)[]
        {
            (new("--coordinator") { Description = "coordinator address, or several comma-separated (default: the local `orch serve`, else http://127.0.0.1:50051)" }, "Agent:Coordinator"),
            (new("--token") { Description = "worker token (default: ORCH_WORKER_TOKEN, else the local `orch serve`'s)" }, "Agent:Token"),
            (new("--ca") { Description = "PEM file of the CA that signed the coordinator's TLS certificate, trusted besides the system's (default: ORCH_CA_FILE)" }, "Agent:CaFile"),
            (new("--devices") { Description = "comma-separated devices, one slot each: cuda:0,cuda:1 or cpu (default: every visible GPU, else one CPU slot)" }, "Agent:Devices"),
            (new("--slots") { Description = "number of CPU slots when no GPU is used" }, "Agent:Slots"),
            (new("--threads-per-slot") { Description = "LibTorch threads of each slot's trainer (default: cores ÷ slots; lower it when several agents share a machine)" }, "Agent:ThreadsPerSlot"),
            (new("--name") { Description = "this worker's name (default: the host name)" }, "Agent:Name"),
            (new("--checkpoint-root") { Description = "checkpoints go to DIR/sweep-S/job-J/; a shared folder lets another machine resume a job" }, "Agent:CheckpointRoot"),
            (new("--data-root") { Description = "relative dataset paths in a spec are taken from here" }, "Agent:DataRoot"),
            (new("--weights-dir") { Description = "pretrained weights (default: ORCH_WEIGHTS_DIR, else ~/.cache/orchestrator/weights)" }, "Agent:WeightsDirectory"),
            (new("--state-dir") { Description = "the agent's own state: results not yet acknowledged by a coordinator" }, "Agent:StateDirectory"),
            (new("--lease-wait") { Description = "how long one lease request waits for a job (hh:mm:ss, default 00:00:20)" }, "Agent:LeaseWait"),
            (new("--kill-grace") { Description = "between SIGTERM and SIGKILL when a trainer must stop (hh:mm:ss, default 00:00:10)" }, "Agent:KillGrace"),
            (new("--metrics-port") { Description = "serve Prometheus metrics (slot state, trainer restarts, images/s, GPU memory) at http://+:PORT/metrics; no token (default: off)" }, "Agent:MetricsPort"),
            (new("--shutdown-grace") { Description = "how long the agent may take to give its jobs back when stopped (hh:mm:ss, default 00:01:00)" }, "Agent:ShutdownGrace"),
        };
        foreach (var (option, _) in options)
        {
            command.Options.Add(option);
        }

        // The values go to the host as typed: configuration binding reads them exactly as it reads appsettings.json.
        command.SetAction((parse, _) => AgentHost.RunAsync(options
            .Where(o => parse.GetValue(o.Option) is not null)
            .ToDictionary(o => o.Key, o => parse.GetValue(o.Option))));
    }
}
