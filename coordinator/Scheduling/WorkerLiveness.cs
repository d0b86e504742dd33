using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Storage;
using Quartz;

namespace Orchestrator.Coordinator.Scheduling;

/// <summary>
/// Marks offline the workers silent for <see cref="QueueOptions.MissedHeartbeatsBeforeOffline"/> heartbeat
/// intervals. Their leases are left to expire on their own: the lease, not the worker record, decides. Only the
/// worker itself ends them early, by registering again after a restart (<see cref="JobStore.LoseLeasesOfRestartedWorkerAsync"/>).
/// </summary>
[DisallowConcurrentExecution]
public sealed class WorkerLiveness(WorkerStore workers, TimeProvider time, IOptions<QueueOptions> options, ILogger<WorkerLiveness> logger) : DatabaseJob(logger)
{
    /// <summary>The liveness rule: a worker not heard from since this moment is offline (the dashboard applies it too, between two runs of this job).</summary>
    public static DateTime OfflineCutoff(QueueOptions queue, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return now - (queue.HeartbeatInterval * queue.MissedHeartbeatsBeforeOffline);
    }

    public async Task<IReadOnlyList<string>> MarkSilentWorkersAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = OfflineCutoff(options.Value, time.GetUtcNow().UtcDateTime);
        var offline = await workers.MarkSilentOfflineAsync(cutoff, cancellationToken);
        if (offline.Count > 0)
        {
            Logger.LogInformation("Workers offline (no heartbeat since {Cutoff:O}): {Workers}", cutoff, string.Join(", ", offline));
        }

        return offline;
    }

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => MarkSilentWorkersAsync(cancellationToken);
}
