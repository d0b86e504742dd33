using System.Text.Json;
using Grpc.Core;
using Orchestrator.Protos;
using Orchestrator.Shared.Metrics;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Agent;

/// <summary>How a job run ended on this agent, for the slot's health bookkeeping.</summary>
public enum JobRunEnd
{
    Reported,
    DeviceFailure,
    Released,
    LeaseLost,

    /// <summary>The coordinator stopped the job early (its sweep's early-stopping rule): nothing left to deliver.</summary>
    StoppedEarly,
}

/// <summary>
/// Runs one leased job in a trainer child: heartbeats while it lives, relays its epoch reports, stops it on a
/// cancel or a lost lease, and leaves its final result or failure in the outbox for delivery.
/// </summary>
public sealed class JobRun(
    Slot slot,
    string workerId,
    TimeSpan heartbeatInterval,
    AgentOptions options,
    CoordinatorConnection coordinator,
    ResultOutbox outbox,
    ResultDelivery delivery,
    AgentMetrics metrics,
    TimeProvider time,
    ILogger logger)
{
    private volatile bool cancelRequested;
    private volatile bool leaseLost;
    private volatile bool stoppedEarly;

    public async Task<JobRunEnd> RunAsync(LeasedJob job, CancellationToken shutdown)
    {
        ArgumentNullException.ThrowIfNull(job);
        var lease = new LeaseToken { JobId = job.JobId, Attempt = job.Attempt, WorkerId = workerId };
        var directory = TrainerLayout.JobDirectory(options.CheckpointRoot, job.SweepId, job.JobId);
        Directory.CreateDirectory(directory);
        LeasedJobFile.Write(Path.Combine(directory, TrainerLayout.JobFile), job);
        File.Delete(Path.Combine(directory, TrainerLayout.ResultFile));
        var resume = new CheckpointStore(Path.Combine(directory, TrainerLayout.CheckpointFolder)).HasLast;
        logger.LogInformation("[{Slot}] job {Job} attempt {Attempt}/{Max}: {Encoder} (sweep {Sweep}){Resume}",
            slot, job.JobId, job.Attempt, job.MaxAttempts, job.Encoder, job.SweepId, resume ? ", resuming from its checkpoint" : string.Empty);

        var (tail, relayMark) = MetricsRelay(directory, resume);
        using var child = TrainerProcess.Start(new TrainerLauncher(options).For(slot, directory, resume), options.ErrorTailLines);
        metrics.TrainerStarted(slot, resume);
        child.OutputLine += line => logger.LogDebug("[{Slot}] job {Job}: {Line}", slot, job.JobId, line);
        using var childDone = new CancellationTokenSource();
        var heartbeats = HeartbeatUntilAsync(lease, child, childDone.Token);
        var relay = RelayUntilAsync(lease, child, tail, relayMark, childDone.Token, shutdown);

        await Task.WhenAny(child.Exited, Task.Delay(Timeout.Infinite, shutdown));
        var stoppedForShutdown = !child.Exited.IsCompleted;
        if (stoppedForShutdown)
        {
            logger.LogInformation("[{Slot}] job {Job}: agent stopping, stopping the trainer and giving the job back", slot, job.JobId);
            await child.StopAsync(options.KillGrace);
        }

        var exitCode = await child.Exited;

        // A trainer that ended by itself (or by a cancel request) has its end on disk before any further call can
        // fail: from here on the outbox is the only way it leaves. The agent's own shutdown after that changes nothing.
        var release = stoppedForShutdown && !cancelRequested;
        var outcome = TrainerOutcome.RetryableFailure;
        var entry = release || stoppedEarly ? null : Conclude(job, lease, directory, exitCode, child.ErrorTail, resume, out outcome);
        if (entry is not null)
        {
            outbox.Put(entry);
        }

        await childDone.CancelAsync();
        await FinishReportingAsync(lease, child, tail, relayMark, heartbeats, relay);

        // Checked before a lost lease: a heartbeat racing the stopping report is refused for the same reason.
        if (stoppedEarly)
        {
            if (entry is not null)
            {
                outbox.Remove(entry); // the job is final (stopped); the coordinator would refuse its end
            }

            logger.LogInformation("[{Slot}] job {Job} attempt {Attempt}: stopped early by its sweep's rule; trainer stopped, checkpoint kept", slot, job.JobId, job.Attempt);
            return JobRunEnd.StoppedEarly;
        }

        if (leaseLost)
        {
            if (entry is not null)
            {
                outbox.Remove(entry); // the coordinator would refuse it: the job belongs to another attempt now
            }

            logger.LogWarning("[{Slot}] job {Job} attempt {Attempt}: lease lost, result discarded (the coordinator gave the job to another attempt)", slot, job.JobId, job.Attempt);
            return JobRunEnd.LeaseLost;
        }

        if (entry is null)
        {
            await ReleaseAsync(lease);
            return JobRunEnd.Released;
        }

        await delivery.DeliverAsync(entry, CancellationToken.None);
        return outcome == TrainerOutcome.DeviceFailure ? JobRunEnd.DeviceFailure : JobRunEnd.Reported;
    }

    /// <summary>
    /// Lets the heartbeats end and relays the epochs the trainer wrote last, so they arrive before the result. None
    /// of it may keep the result from its delivery: a failure here costs at most an epoch row, which is logged.
    /// </summary>
    private async Task FinishReportingAsync(LeaseToken lease, TrainerProcess child, MetricsFileTail tail, MetricsRelayMark relayMark, Task heartbeats, Task relay)
    {
        try
        {
            await Task.WhenAll(heartbeats, relay);
            await RelayNewReportsAsync(lease, child, tail, relayMark, CancellationToken.None);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException)
        {
            logger.LogWarning("[{Slot}] job {Job}: reporting after the trainer's exit failed ({Message}); its end is delivered all the same", slot, lease.JobId, ex.Message);
        }
    }

    /// <summary>
    /// Where relaying this run's epochs starts. A resumed trainer appends to the metrics file of the attempts before
    /// it: relaying goes on from their relay mark, so the epochs the coordinator has are not sent again and those a
    /// killed agent never sent are. A fresh trainer starts a new file: the old one and its mark go first, so no line
    /// of an earlier run is read before the trainer replaces the file.
    /// </summary>
    private static (MetricsFileTail Tail, MetricsRelayMark Mark) MetricsRelay(string directory, bool resume)
    {
        var metricsPath = Path.Combine(directory, TrainerLayout.MetricsFile);
        var mark = new MetricsRelayMark(Path.Combine(directory, TrainerLayout.MetricsRelayMarkFile));
        if (!resume)
        {
            File.Delete(metricsPath);
            mark.Clear();
        }

        return (new MetricsFileTail(metricsPath, mark.Read()), mark);
    }

    private OutboxEntry Conclude(LeasedJob job, LeaseToken lease, string directory, int exitCode, string errorTail, bool resumed, out TrainerOutcome outcome)
    {
        if (cancelRequested)
        {
            outcome = TrainerOutcome.PermanentFailure;
            logger.LogInformation("[{Slot}] job {Job}: cancelled by request, trainer stopped", slot, job.JobId);
            return new OutboxEntry { JobId = lease.JobId, Attempt = lease.Attempt, WorkerId = workerId, Error = "cancelled: the sweep was cancelled", Retryable = false };
        }

        outcome = TrainerExitClassifier.Classify(exitCode, errorTail);
        var resultPath = Path.Combine(directory, TrainerLayout.ResultFile);
        if (outcome == TrainerOutcome.Succeeded && File.Exists(resultPath))
        {
            var result = JsonSerializer.Deserialize<TrainingResult>(File.ReadAllText(resultPath), EngineJson.Options)!;
            var metrics = FinalMetrics.From(result);
            metrics[MetricCatalog.Resumed.Key] = resumed ? 1 : 0;
            metrics[MetricCatalog.Attempt.Key] = job.Attempt;
            logger.LogInformation("[{Slot}] job {Job}: finished", slot, job.JobId);
            return new OutboxEntry { JobId = lease.JobId, Attempt = lease.Attempt, WorkerId = workerId, Metrics = metrics };
        }

        if (outcome == TrainerOutcome.Succeeded)
        {
            outcome = TrainerOutcome.RetryableFailure; // exit 0 without a result: treat as a crash
        }

        var error = $"trainer exited with code {exitCode} ({outcome}): {(errorTail.Length > 0 ? errorTail : "no error output")}";
        logger.LogWarning("[{Slot}] job {Job}: {Error}", slot, job.JobId, error);
        return new OutboxEntry
        {
            JobId = lease.JobId,
            Attempt = lease.Attempt,
            WorkerId = workerId,
            Error = error,
            Retryable = outcome is TrainerOutcome.RetryableFailure or TrainerOutcome.DeviceFailure,
        };
    }

    private async Task HeartbeatUntilAsync(LeaseToken lease, TrainerProcess child, CancellationToken done)
    {
        using var timer = new PeriodicTimer(heartbeatInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(done))
            {
                try
                {
                    var answer = await coordinator.CallAsync("Heartbeat", o => coordinator.Client.HeartbeatAsync(new HeartbeatRequest { Lease = lease }, o).ResponseAsync, done);
                    logger.LogDebug("[{Slot}] job {Job}: heartbeat, lease until {Expires}", slot, lease.JobId, answer.LeaseExpiresAt);
                    if (answer.CancelRequested && !cancelRequested)
                    {
                        cancelRequested = true;
                        logger.LogInformation("[{Slot}] job {Job}: cancel requested, stopping the trainer", slot, lease.JobId);
                        await child.StopAsync(options.KillGrace);
                    }
                }
                catch (RpcException ex) when (CoordinatorConnection.IsFencingRefusal(ex))
                {
                    leaseLost = true;
                    await child.StopAsync(options.KillGrace);
                    return;
                }
                catch (RpcException ex) when (!done.IsCancellationRequested)
                {
                    // Keep beating: one odd answer must not let the lease lapse while the trainer works.
                    logger.LogWarning("[{Slot}] job {Job}: heartbeat failed ({Status}: {Detail}); trying again", slot, lease.JobId, ex.StatusCode, ex.Status.Detail);
                }
            }
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
            // The child ended; heartbeats end with it.
        }
        catch (RpcException ex) when (done.IsCancellationRequested)
        {
            // The child ended while a heartbeat was in flight: whatever it answered (Cancelled, or Unknown/Unavailable
            // from a coordinator whose database restarts) no longer matters, the lease ends with the result.
            if (ex.StatusCode != StatusCode.Cancelled)
            {
                logger.LogInformation("[{Slot}] job {Job}: the last heartbeat failed as the trainer exited ({Status}: {Detail}); the job's end is delivered all the same",
                    slot, lease.JobId, ex.StatusCode, ex.Status.Detail);
            }
        }
    }

    /// <summary>
    /// Relays new epoch lines until the child is done. A report already read from the file is sent even when the
    /// child ends meanwhile (only the agent's own shutdown interrupts it), so no epoch is read and then dropped.
    /// </summary>
    private async Task RelayUntilAsync(LeaseToken lease, TrainerProcess child, MetricsFileTail tail, MetricsRelayMark mark, CancellationToken done, CancellationToken shutdown)
    {
        using var timer = new PeriodicTimer(options.MetricsPollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(done))
            {
                await RelayNewReportsAsync(lease, child, tail, mark, shutdown);
            }
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested || shutdown.IsCancellationRequested)
        {
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && shutdown.IsCancellationRequested)
        {
        }
    }

    private async Task RelayNewReportsAsync(LeaseToken lease, TrainerProcess child, MetricsFileTail tail, MetricsRelayMark mark, CancellationToken cancellationToken)
    {
        if (stoppedEarly)
        {
            return;
        }

        var reports = tail.ReadNew();
        if (tail.LatestStep is { } latest)
        {
            metrics.Progress(slot, latest.Metrics);
        }

        foreach (var report in reports)
        {
            var request = new ReportProgressRequest { Lease = lease, Epoch = report.Epoch, Step = report.Step, ProducedByAttempt = report.Attempt ?? 0 };
            request.Metrics.Add(report.Metrics.ToDictionary());
            try
            {
                var answer = await coordinator.CallAsync("ReportProgress", o => coordinator.Client.ReportProgressAsync(request, o).ResponseAsync, cancellationToken);
                mark.Advance(report.End);
                metrics.EpochRelayed(slot);
                logger.LogInformation("[{Slot}] job {Job} epoch {Epoch}: {Metrics}", slot, lease.JobId, report.Epoch,
                    string.Join(", ", report.Metrics.Where(m => m.Key.Contains("loss", StringComparison.Ordinal)).Select(m => $"{m.Key}={m.Value:F4}")));
                if (answer.Stopped)
                {
                    // Like a cancel: SIGTERM, and the trainer's last checkpoint stays. The job is final, so later
                    // epochs the file may hold would be refused: none is sent.
                    stoppedEarly = true;
                    logger.LogInformation("[{Slot}] job {Job}: stopped early ({Reason}), stopping the trainer", slot, lease.JobId, answer.StopReason);
                    await child.StopAsync(options.KillGrace);
                    return;
                }
            }
            catch (RpcException ex) when (CoordinatorConnection.IsFencingRefusal(ex))
            {
                leaseLost = true;
                return;
            }
            catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
            {
                // Refused for good (retryable failures were retried): losing one epoch row must not lose the job.
                logger.LogWarning("[{Slot}] job {Job} epoch {Epoch}: the coordinator refused the report ({Status}: {Detail}); going on without it",
                    slot, lease.JobId, report.Epoch, ex.StatusCode, ex.Status.Detail);
            }
        }
    }

    private async Task ReleaseAsync(LeaseToken lease)
    {
        try
        {
            using var bounded = new CancellationTokenSource(options.KillGrace);
            await coordinator.CallAsync("ReleaseJob", o => coordinator.Client.ReleaseJobAsync(new ReleaseJobRequest { Lease = lease, Reason = "worker shutting down" }, o).ResponseAsync, bounded.Token);
            logger.LogInformation("[{Slot}] job {Job}: released back to the queue", slot, lease.JobId);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            // The lease will expire and the rescuer re-queues the job; the checkpoint lets the next attempt resume.
            logger.LogWarning("[{Slot}] job {Job}: could not release ({Message}); its lease will expire instead", slot, lease.JobId, ex.Message);
        }
    }
}
