using Orchestrator.Coordinator.Storage;
using Quartz;

namespace Orchestrator.Coordinator.Scheduling;

/// <summary>Marks a sweep finished once none of its jobs is queued or running.</summary>
[DisallowConcurrentExecution]
public sealed class SweepCompletion(SweepStore sweeps, TimeProvider time, ILogger<SweepCompletion> logger) : DatabaseJob(logger)
{
    public async Task<IReadOnlyList<long>> FinishCompletedAsync(CancellationToken cancellationToken = default)
    {
        var finished = await sweeps.FinishCompletedAsync(time.GetUtcNow().UtcDateTime, cancellationToken);
        if (finished.Count > 0)
        {
            Logger.LogInformation("Sweeps finished: {Sweeps}", string.Join(", ", finished));
        }

        return finished;
    }

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => FinishCompletedAsync(cancellationToken);
}
