using Google.Protobuf.WellKnownTypes;
using Orchestrator.Protos;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// One slot's life: lease a job, run it, repeat. A slot whose jobs keep failing with device errors stops
/// leasing and says so, instead of pulling the queue through a broken GPU.
/// </summary>
public sealed class SlotLoop(Slot slot, Func<JobRun> newRun, CoordinatorConnection coordinator, AgentMetrics metrics, string workerId, AgentOptions options, ILogger logger)
{
    /// <summary>
    /// A LeaseJob call's deadline beyond its wait: the coordinator answers when the wait ends, and the answer
    /// still has to claim a job and cross the network.
    /// </summary>
    public static readonly TimeSpan LeaseAnswerAllowance = TimeSpan.FromSeconds(15);

    public async Task RunAsync(CancellationToken stopping)
    {
        var deviceFailures = 0;
        logger.LogInformation("[{Slot}] ready", slot);
        while (!stopping.IsCancellationRequested)
        {
            LeasedJob? job;
            try
            {
                var request = new LeaseJobRequest { WorkerId = workerId, Wait = Duration.FromTimeSpan(options.LeaseWait) };
                var answer = await coordinator.CallAsync(
                    "LeaseJob", o => coordinator.Client.LeaseJobAsync(request, o).ResponseAsync, stopping, options.LeaseWait + LeaseAnswerAllowance);
                job = answer.Job;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }

            if (job is null)
            {
                continue; // nothing queued within the wait: ask again
            }

            JobRunEnd end;
            metrics.SlotBusy(slot, busy: true);
            try
            {
                end = await newRun().RunAsync(job, stopping);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                // One job's trouble must not take the agent down: its lease lapses and the coordinator retries it.
                logger.LogError(ex, "[{Slot}] job {Job}: the agent failed while running it; its lease will expire and the job be retried", slot, job.JobId);
                end = JobRunEnd.LeaseLost;
            }
            finally
            {
                metrics.SlotBusy(slot, busy: false);
            }

            deviceFailures = end == JobRunEnd.DeviceFailure ? deviceFailures + 1 : 0;
            if (deviceFailures >= options.MaxConsecutiveDeviceFailures)
            {
                // The slot stays idle rather than ending: once every slot is idle, no call touches the coordinator
                // contact file, and the worker's health check (its age) reports the machine unhealthy.
                logger.LogError("[{Slot}] {Count} jobs in a row failed with device errors: this slot stops leasing and is unhealthy. " +
                    "Check the GPU (nvidia-smi), then restart the worker.", slot, deviceFailures);
                await Task.Delay(Timeout.Infinite, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            }
        }

        logger.LogInformation("[{Slot}] stopped", slot);
    }
}
