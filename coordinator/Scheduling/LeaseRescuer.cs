using Orchestrator.Coordinator.Monitoring;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Shared.Monitoring;
using Orchestrator.Shared.States;
using Quartz;

namespace Orchestrator.Coordinator.Scheduling;

/// <summary>
/// Ends leases whose worker stopped heartbeating: back to the queue as the next attempt (after backoff), or
/// lease_lost when the attempts are used up, or cancelled when the sweep was cancelled meanwhile. A tpe sweep whose
/// trial thus ended gets its next trial.
/// Safe to run from several coordinators at once (see <see cref="JobStore.RescueExpiredAsync"/>).
/// </summary>
[DisallowConcurrentExecution]
public sealed class LeaseRescuer(JobStore jobs, CoordinatorMetrics metrics, TimeProvider time, ILogger<LeaseRescuer> logger) : DatabaseJob(logger)
{
    public async Task<IReadOnlyList<EndedLease>> RescueAsync(CancellationToken cancellationToken = default)
    {
        var ended = await jobs.RescueExpiredAsync(time.GetUtcNow().UtcDateTime, cancellationToken);
        await jobs.TopUpAfterAsync(ended, cancellationToken);
        metrics.AttemptsEnded(FailureClasses.LeaseExpired, ended.Select(e => e.State));
        foreach (var group in ended.GroupBy(e => e.State))
        {
            Logger.LogInformation("Lease rescuer: {Count} expired lease(s) → {State}: jobs {Jobs}",
                group.Count(), StateLabels.Label(group.Key), string.Join(", ", group.Select(e => e.Id).Take(20)));
        }

        return ended;
    }

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => RescueAsync(cancellationToken);
}
