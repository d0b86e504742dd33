using Grpc.Core;
using Orchestrator.Protos;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// Delivers outbox entries: CompleteJob for a success, FailJob for a failure. The entry is removed once the
/// coordinator acknowledges it, or refuses it by fencing (the lease moved on: the other attempt's result stands).
/// </summary>
public sealed class ResultDelivery(CoordinatorConnection coordinator, ResultOutbox outbox, ILogger logger)
{
    public async Task DeliverAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var lease = new LeaseToken { JobId = entry.JobId, Attempt = entry.Attempt, WorkerId = entry.WorkerId };
        try
        {
            if (entry.IsSuccess)
            {
                var request = new CompleteJobRequest { Lease = lease };
                request.Metrics.Add(entry.Metrics);
                await coordinator.CallAsync("CompleteJob", o => coordinator.Client.CompleteJobAsync(request, o).ResponseAsync, cancellationToken);
                logger.LogInformation("job {Job} attempt {Attempt}: result delivered", entry.JobId, entry.Attempt);
            }
            else
            {
                var request = new FailJobRequest { Lease = lease, Error = entry.Error ?? "failed", Retryable = entry.Retryable };
                var answer = await coordinator.CallAsync("FailJob", o => coordinator.Client.FailJobAsync(request, o).ResponseAsync, cancellationToken);
                logger.LogInformation("job {Job} attempt {Attempt}: failure reported, job now {State}", entry.JobId, entry.Attempt, answer.State);
            }
        }
        catch (RpcException ex) when (CoordinatorConnection.IsFencingRefusal(ex))
        {
            logger.LogWarning("job {Job} attempt {Attempt}: the coordinator refused the report ({Detail}); another attempt owns the job, discarding",
                entry.JobId, entry.Attempt, ex.Status.Detail);
        }

        outbox.Remove(entry);
    }

    /// <summary>At start, whatever an earlier run of the agent finished but could not deliver.</summary>
    public async Task DeliverPendingAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in outbox.Pending())
        {
            logger.LogInformation("job {Job} attempt {Attempt}: delivering a result kept from before", entry.JobId, entry.Attempt);
            await DeliverAsync(entry, cancellationToken);
        }
    }
}
