using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Storage;

namespace Orchestrator.Coordinator.Queue;

/// <summary>
/// The LeaseJob long poll: claim now, else sleep until a job is queued (or the wait ends) and claim again. An empty
/// queue first asks the tpe sweeps for their next trials: trials are created as earlier ones end, and this catches
/// any whose creation was missed (a coordinator that died between ending a job and creating the next trial).
/// </summary>
public sealed class JobDispatcher(JobStore jobs, TrialStore trials, LeaseNotifier notifier, TimeProvider time, IOptions<QueueOptions> options)
{
    private readonly QueueOptions queue = options.Value;

    /// <summary>A job leased to the worker, or null when none was queued within <paramref name="wait"/> (capped).</summary>
    public async Task<ClaimedJob?> LeaseAsync(string workerId, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (wait > queue.MaxLeaseWait)
        {
            wait = queue.MaxLeaseWait;
        }

        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            var wake = notifier.NextWake();
            var job = await jobs.ClaimAsync(workerId, cancellationToken);
            if (job is null && await trials.TopUpAllAsync(cancellationToken) > 0)
            {
                job = await jobs.ClaimAsync(workerId, cancellationToken);
            }

            if (job is not null)
            {
                return job;
            }

            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return null;
            }

            var nap = remaining < queue.SafetyRecheckInterval ? remaining : queue.SafetyRecheckInterval;
            try
            {
                await wake.WaitAsync(nap, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Fall through to the re-check: a backoff may have ended, or the deadline has come.
            }
        }
    }
}
