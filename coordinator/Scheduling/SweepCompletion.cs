using Orchestrator.Coordinator.Storage;
using Quartz;

namespace Orchestrator.Coordinator.Scheduling;

/// <summary>Marks a sweep finished once none of its jobs is queued or running.</summary>
[DisallowConcurrentExecution]
public sealed class SweepCompletion(SweepStore sweeps, TimeProvider time, ILogger<SweepCompletion> logger) : IJob
{
    public async Task<IReadOnlyList<long>> FinishCompletedAsync(CancellationToken cancellationToken = default)
    {
        var finished = await sweeps.FinishCompletedAsync(time.GetUtcNow().UtcDateTime, cancellationToken);
        if (finished.Count > 0)
        {
            logger.LogInformation("Sweeps finished: {Sweeps}", string.Join(", ", finished));
        }

        return finished;
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await FinishCompletedAsync(cancellationToken);
}
