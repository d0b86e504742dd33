using System.Reflection;
using Microsoft.Extensions.Options;
using Orchestrator.Protos;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// `orch-worker`: registers this machine with the coordinator and runs one lease loop per slot until stopped.
/// On SIGTERM/Ctrl-C the host cancels the loops: running jobs are stopped and released back to the queue.
/// A restarted agent registers with its previous worker id, so the leases of the run that died end at once.
/// </summary>
public sealed class WorkerAgent(
    IOptions<AgentOptions> options,
    CoordinatorConnection coordinator,
    ResultOutbox outbox,
    ResultDelivery delivery,
    AgentMetrics metrics,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService
{
    /// <summary>The log category of the agent and its parts; a deployment turns on the trainers' output with it at Debug.</summary>
    public const string LogCategory = "orch-worker";

    private readonly AgentOptions settings = options.Value;
    private readonly ILogger logger = loggers.CreateLogger(LogCategory);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var slots = SlotPlan.From(settings);
        metrics.SlotsPlanned(slots);
        var registration = new RegisterWorkerRequest
        {
            Name = settings.Name,
            Host = Environment.MachineName,
            Version = $"{Assembly.GetExecutingAssembly().GetName().Version} (TorchSharp {TorchBackendName()})",
        };
        var identity = new WorkerIdFile(settings.StateDirectory);
        var previous = identity.Read();
        registration.PreviousWorkerId = previous ?? "";

        // A result an earlier run finished goes out under its own lease first: registering ends that run's leases.
        await delivery.DeliverPendingAsync(stoppingToken);
        registration.Devices.AddRange(slots.Select(s => new Device { Name = s.Device, Kind = s.IsCuda ? "cuda" : "cpu", MemoryBytes = s.MemoryBytes }));
        var registered = await coordinator.CallAsync("RegisterWorker", o => coordinator.Client.RegisterWorkerAsync(registration, o).ResponseAsync, stoppingToken);
        identity.Write(registered.WorkerId);
        var heartbeat = registered.HeartbeatInterval.ToTimeSpan();
        logger.LogInformation("registered as {Worker} with {Coordinator}: {Count} slot(s) [{Slots}] with {Threads} LibTorch thread(s) each, heartbeat every {Heartbeat:F0} s{Previous}",
            registered.WorkerId, coordinator.Address, slots.Count, string.Join(", ", slots.Select(s => s.Device)), slots.Count > 0 ? slots[0].Threads : 0, heartbeat.TotalSeconds,
            previous is null ? "" : $" (restarted: the leases of {previous} ended)");

        var loops = slots.Select(slot => new SlotLoop(
            slot,
            () => new JobRun(slot, registered.WorkerId, heartbeat, settings, coordinator, outbox, delivery, metrics, time, logger),
            coordinator,
            metrics,
            registered.WorkerId,
            settings,
            logger)).ToList();
        await Task.WhenAll(loops.Select(l => l.RunAsync(stoppingToken)));
        logger.LogInformation("all slots stopped");
    }

    private static string TorchBackendName() =>
        AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "TorchSharp") ? "loaded" : "cpu/cuda by build";
}
