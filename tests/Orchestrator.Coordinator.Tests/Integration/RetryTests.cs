using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orchestrator.Coordinator.Scheduling;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// RetrySweep: ended jobs back in the queue as new attempts with fresh attempts, the sweep reopened, the old lease
/// fenced out, waiting workers woken. On a fake clock, so leases expire exactly when the test says.
/// </summary>
public sealed class RetryTests(IsolatedDatabase database) : FakeClockCoordinatorTests(database)
{
    [Fact]
    public async Task Retry_requeues_every_unsuccessful_job_as_a_new_attempt_with_fresh_attempts_and_reopens_the_sweep()
    {
        var sweepId = await Host.SeedSweepAsync(4, maxAttempts: 2);
        var worker = await Workers.RegisterAsync();
        var ended = await EndOneJobEachWayAsync(sweepId, worker);

        var retried = await Sweeps.RetrySweepAsync(new RetrySweepRequest { SweepId = sweepId });
        var sweep = await Sweeps.GetSweepAsync(new GetSweepRequest { SweepId = sweepId });
        var jobs = await JobsAsync(sweepId);
        var history = (await Sweeps.GetJobAsync(new GetJobRequest { JobId = ended.LeaseLost.JobId })).History;

        Assert.Equal((3, 1, 1, 1, 0), (retried.RequeuedJobs, retried.RequeuedFailed, retried.RequeuedLeaseLost, retried.RequeuedCancelled, retried.CancelledLeft));
        Assert.Equal(SweepState.Active, sweep.State);
        Assert.Null(sweep.FinishedAt);
        Assert.Equal(3, sweep.Counts.Queued);
        // Attempts go on from where each job stopped, and each gets the spec's 2 attempts afresh.
        Assert.Equal(new JobRowView(StoredJobState.Succeeded, 1, 2, false, true), jobs[ended.Succeeded]);
        Assert.Equal(new JobRowView(StoredJobState.Queued, 2, 3, false, false), jobs[ended.Failed]);
        Assert.Equal(new JobRowView(StoredJobState.Queued, 3, 4, false, false), jobs[ended.LeaseLost.JobId]);
        Assert.Equal(new JobRowView(StoredJobState.Queued, 2, 3, false, false), jobs[ended.Cancelled]);
        Assert.Equal(
            [(JobState.Queued, 1), (JobState.Running, 1), (JobState.Queued, 2), (JobState.Running, 2), (JobState.LeaseLost, 2), (JobState.Queued, 3)],
            history.Select(h => (h.State, h.Attempt)));
        Assert.Equal(3L, await TestCoordinator.ScalarAsync<long>(ConnectionString, """
            SELECT count(*) FROM job_events e JOIN jobs j ON j.id = e.job_id
            WHERE e.sweep_id = @id AND e.state = 'queued' AND e.attempt = j.attempt AND j.state = 'queued'
            """, new { id = sweepId }));
    }

    [Fact]
    public async Task A_retried_job_runs_again_and_the_attempt_that_lost_its_lease_stays_fenced_out()
    {
        var sweepId = await Host.SeedSweepAsync(4, maxAttempts: 2);
        var worker = await Workers.RegisterAsync();
        var ended = await EndOneJobEachWayAsync(sweepId, worker);
        await Sweeps.RetrySweepAsync(new RetrySweepRequest { SweepId = sweepId });

        var whileQueued = await CompleteCodeAsync(ended.LeaseLost.Token(worker));
        var leased = new List<LeasedJob>();
        while (await Workers.LeaseNowAsync(worker) is { } job)
        {
            leased.Add(job);
        }

        var again = leased.Single(j => j.JobId == ended.LeaseLost.JobId);
        // The same worker holds the job again: only the attempt number tells its old lease from the new one.
        var whileRunningAgain = await CompleteCodeAsync(ended.LeaseLost.Token(worker));
        foreach (var job in leased)
        {
            await Workers.CompleteJobAsync(new CompleteJobRequest { Lease = job.Token(worker) });
        }

        var finished = await Host.Services.GetRequiredService<SweepCompletion>().FinishCompletedAsync();
        var sweep = await Sweeps.GetSweepAsync(new GetSweepRequest { SweepId = sweepId });

        Assert.Equal(StatusCode.FailedPrecondition, whileQueued);
        Assert.Equal(StatusCode.FailedPrecondition, whileRunningAgain);
        Assert.Equal(3, leased.Count);
        Assert.Equal(3, again.Attempt);
        Assert.Equal(4, again.MaxAttempts);
        Assert.Equal([sweepId], finished);
        Assert.Equal(SweepState.Finished, sweep.State);
        Assert.Equal(4, sweep.Counts.Succeeded);
    }

    [Fact]
    public async Task Failed_only_retry_leaves_cancelled_jobs_alone_and_a_second_one_finds_nothing()
    {
        var sweepId = await Host.SeedSweepAsync(3, maxAttempts: 2);
        var worker = await Workers.RegisterAsync();
        var failed = (await Workers.LeaseNowAsync(worker))!;
        await Workers.FailJobAsync(new FailJobRequest { Lease = failed.Token(worker), Error = "bad dataset path", Retryable = false });
        await Sweeps.CancelSweepAsync(new CancelSweepRequest { SweepId = sweepId });

        var first = await Sweeps.RetrySweepAsync(new RetrySweepRequest { SweepId = sweepId, FailedOnly = true });
        var second = await Sweeps.RetrySweepAsync(new RetrySweepRequest { SweepId = sweepId, FailedOnly = true });
        var sweep = await Sweeps.GetSweepAsync(new GetSweepRequest { SweepId = sweepId });
        var jobs = await JobsAsync(sweepId);

        Assert.Equal((1, 1, 0, 2), (first.RequeuedJobs, first.RequeuedFailed, first.RequeuedCancelled, first.CancelledLeft));
        Assert.Equal((0, 2), (second.RequeuedJobs, second.CancelledLeft));
        Assert.Equal(SweepState.Active, sweep.State);
        Assert.Equal(new JobRowView(StoredJobState.Queued, 2, 3, false, false), jobs[failed.JobId]);
        Assert.All(jobs.Where(j => j.Key != failed.JobId), j => Assert.Equal(new JobRowView(StoredJobState.Cancelled, 1, 2, true, true), j.Value));
    }

    [Fact]
    public async Task Nothing_to_retry_changes_nothing_an_unknown_sweep_is_not_found_and_a_worker_may_not_retry()
    {
        var sweepId = await Host.SeedSweepAsync(1);
        var worker = await Workers.RegisterAsync();
        var job = (await Workers.LeaseNowAsync(worker))!;
        await Workers.CompleteJobAsync(new CompleteJobRequest { Lease = job.Token(worker) });
        await Host.Services.GetRequiredService<SweepCompletion>().FinishCompletedAsync();
        var before = await Sweeps.GetSweepAsync(new GetSweepRequest { SweepId = sweepId });

        var retried = await Sweeps.RetrySweepAsync(new RetrySweepRequest { SweepId = sweepId });
        var after = await Sweeps.GetSweepAsync(new GetSweepRequest { SweepId = sweepId });
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await Sweeps.RetrySweepAsync(new RetrySweepRequest { SweepId = 999_999 }));
        var byWorker = await TestCoordinator.CodeOfAsync(async () =>
            await new SweepService.SweepServiceClient(Host.Connect(TestCoordinator.WorkerToken)).RetrySweepAsync(new RetrySweepRequest { SweepId = sweepId }));

        Assert.Equal(0, retried.RequeuedJobs);
        Assert.Equal(SweepState.Finished, after.State);
        Assert.Equal(before.FinishedAt, after.FinishedAt);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("sweep 999999 does not exist", unknown.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("orch status", unknown.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, byWorker);
    }

    [Fact]
    public async Task A_waiting_lease_is_woken_by_the_retry()
    {
        var sweepId = await Host.SeedSweepAsync(1);
        var worker = await Workers.RegisterAsync();
        var job = (await Workers.LeaseNowAsync(worker))!;
        await Workers.FailJobAsync(new FailJobRequest { Lease = job.Token(worker), Error = "bad dataset path", Retryable = false });

        // The fake clock never moves here, so neither the wait's end nor the safety re-check can wake the lease:
        // only the notification can.
        var waiting = Workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = worker, Wait = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)) }).ResponseAsync;
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        await Sweeps.RetrySweepAsync(new RetrySweepRequest { SweepId = sweepId });
        var leased = (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Job;

        Assert.Equal(job.JobId, leased.JobId);
        Assert.Equal(2, leased.Attempt);
    }

    [Fact]
    public async Task The_database_lets_an_ended_job_back_only_as_a_new_attempt_without_a_cancel_request()
    {
        var sweepId = await Host.SeedSweepAsync(2);
        var worker = await Workers.RegisterAsync();
        var succeeded = (await Workers.LeaseNowAsync(worker))!;
        await Workers.CompleteJobAsync(new CompleteJobRequest { Lease = succeeded.Token(worker) });
        var failed = (await Workers.LeaseNowAsync(worker))!;
        await Workers.FailJobAsync(new FailJobRequest { Lease = failed.Token(worker), Error = "bad dataset path", Retryable = false });
        const string Requeue = "UPDATE jobs SET state = 'queued', finished_at = NULL, result = NULL";

        Assert.Equal(PostgresErrorCodes.CheckViolation, await RefusalAsync($"{Requeue} WHERE id = {failed.JobId}"));
        Assert.Equal(PostgresErrorCodes.CheckViolation, await RefusalAsync($"{Requeue}, attempt = 2, cancel_requested = true WHERE id = {failed.JobId}"));
        Assert.Equal(PostgresErrorCodes.CheckViolation, await RefusalAsync($"{Requeue}, attempt = 2 WHERE id = {succeeded.JobId}"));
        Assert.Null(await RefusalAsync($"{Requeue}, attempt = 2, max_attempts = 4 WHERE id = {failed.JobId}"));
        Assert.Equal(StoredJobState.Succeeded, StateLabels.ToJobState(await TestCoordinator.ScalarAsync<string>(ConnectionString,
            "SELECT state::text FROM jobs WHERE id = @id", new { id = succeeded.JobId })));
    }

    [Fact]
    public async Task A_completion_check_while_a_retry_is_in_flight_does_not_finish_the_sweep_under_it()
    {
        var sweepId = await Host.SeedSweepAsync(1);
        var worker = await Workers.RegisterAsync();
        var job = (await Workers.LeaseNowAsync(worker))!;
        await Workers.FailJobAsync(new FailJobRequest { Lease = job.Token(worker), Error = "bad dataset path", Retryable = false });

        // Hold the retry after it has locked the sweep but before it re-queues the job: the moment a completion check
        // sees the sweep as over, because the re-queued job is not committed yet.
        await using var blocker = new NpgsqlConnection(ConnectionString);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockJob = new NpgsqlCommand($"SELECT 1 FROM jobs WHERE id = {job.JobId} FOR UPDATE", blocker, hold))
        {
            await lockJob.ExecuteNonQueryAsync();
        }

        var retry = Sweeps.RetrySweepAsync(new RetrySweepRequest { SweepId = sweepId }).ResponseAsync;
        await WaitForLockWaitersAsync(1);
        var completion = Host.Services.GetRequiredService<SweepCompletion>().FinishCompletedAsync();
        // Either it passes the sweep by at once, or it waits for the retry's lock; only then let the retry go on.
        while (!completion.IsCompleted && await LockWaitersAsync() < 2)
        {
            await Task.Delay(20);
        }

        await hold.CommitAsync();
        var retried = await retry.WaitAsync(TimeSpan.FromSeconds(10));
        var finished = await completion.WaitAsync(TimeSpan.FromSeconds(10));
        var sweep = await Sweeps.GetSweepAsync(new GetSweepRequest { SweepId = sweepId });

        Assert.Equal(1, retried.RequeuedJobs);
        Assert.Empty(finished);
        Assert.Equal(SweepState.Active, sweep.State);
        Assert.Equal(1, sweep.Counts.Queued);
    }

    private Task<long> LockWaitersAsync() => TestCoordinator.ScalarAsync<long>(ConnectionString,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");

    private async Task WaitForLockWaitersAsync(long count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await LockWaitersAsync() < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"fewer than {count} sessions came to wait for a lock");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Ends one job of the seeded 4-job, 2-attempt sweep each way: succeeded, failed (attempt 1), lease_lost (attempt 2,
    /// after two expiries; its last lease is returned) and cancelled (attempt 1, by cancelling the sweep).
    /// </summary>
    private async Task<EndedJobs> EndOneJobEachWayAsync(long sweepId, string worker)
    {
        var succeeded = (await Workers.LeaseNowAsync(worker))!;
        await Workers.CompleteJobAsync(new CompleteJobRequest { Lease = succeeded.Token(worker) });
        var failed = (await Workers.LeaseNowAsync(worker))!;
        await Workers.FailJobAsync(new FailJobRequest { Lease = failed.Token(worker), Error = "bad dataset path", Retryable = false });
        LeasedJob lost;
        do
        {
            lost = (await Workers.LeaseNowAsync(worker))!;
            Clock.Advance(Lease + TimeSpan.FromSeconds(1));
            await Rescuer().RescueAsync();
        }
        while (lost.Attempt < 2);

        await Sweeps.CancelSweepAsync(new CancelSweepRequest { SweepId = sweepId });
        var jobs = await JobsAsync(sweepId);
        Assert.Equal(StoredJobState.LeaseLost, jobs[lost.JobId].State);
        var cancelled = jobs.Single(j => j.Value.State == StoredJobState.Cancelled).Key;
        return new EndedJobs(succeeded.JobId, failed.JobId, lost, cancelled);
    }

    private async Task<StatusCode> CompleteCodeAsync(Protos.LeaseToken lease) =>
        await TestCoordinator.CodeOfAsync(async () => await Workers.CompleteJobAsync(new CompleteJobRequest { Lease = lease }));

    private async Task<Dictionary<long, JobRowView>> JobsAsync(long sweepId) =>
        (await TestCoordinator.QueryAsync<(long Id, string State, int Attempt, int MaxAttempts, bool CancelRequested, bool Finished)>(ConnectionString,
            "SELECT id, state::text, attempt, max_attempts, cancel_requested, finished_at IS NOT NULL FROM jobs WHERE sweep_id = @id", new { id = sweepId }))
        .ToDictionary(j => j.Id, j => new JobRowView(StateLabels.ToJobState(j.State), j.Attempt, j.MaxAttempts, j.CancelRequested, j.Finished));

    private async Task<string?> RefusalAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        try
        {
            await command.ExecuteNonQueryAsync();
            return null;
        }
        catch (PostgresException exception)
        {
            return exception.SqlState;
        }
    }

    private sealed record EndedJobs(long Succeeded, long Failed, LeasedJob LeaseLost, long Cancelled);

    private sealed record JobRowView(StoredJobState State, int Attempt, int MaxAttempts, bool CancelRequested, bool Finished);
}
