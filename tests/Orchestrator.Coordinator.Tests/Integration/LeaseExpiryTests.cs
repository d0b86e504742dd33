using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orchestrator.Coordinator.Scheduling;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// Leases, heartbeats, the rescuer and fencing, on a fake clock: the coordinator's time is moved by hand and the
/// Quartz jobs are run directly, so expiry is exact and instant.
/// </summary>
public sealed class LeaseExpiryTests(IsolatedDatabase database)
    : FakeClockCoordinatorTests(database, new Dictionary<string, string?>
    {
        ["Coordinator:Queue:HeartbeatInterval"] = "00:00:10",
        ["Coordinator:Queue:RetryBackoffBase"] = "00:00:20",
    })
{
    [Fact]
    public async Task Silent_worker_loses_its_lease_to_the_next_attempt_and_its_late_completion_is_refused()
    {
        var sweepId = await Host.SeedSweepAsync(1);
        var a = await Workers.RegisterAsync("a");
        var b = await Workers.RegisterAsync("b");
        var first = (await LeaseAsync(a))!;

        Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var rescued = await Rescuer().RescueAsync();
        Assert.Equal(Shared.States.JobState.Queued, Assert.Single(rescued).State);
        Assert.Null(await LeaseAsync(b));
        Clock.Advance(TimeSpan.FromSeconds(21));
        var second = (await LeaseAsync(b))!;
        var bResult = new CompleteJobRequest { Lease = second.Token(b) };
        bResult.Metrics.Add("recall_at_1", 0.42);
        await Workers.CompleteJobAsync(bResult);
        var late = new CompleteJobRequest { Lease = first.Token(a) };
        late.Metrics.Add("recall_at_1", 0.99);
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await Workers.CompleteJobAsync(late));
        var lateBeat = await TestCoordinator.CodeOfAsync(async () => await Workers.HeartbeatAsync(new HeartbeatRequest { Lease = first.Token(a) }));

        Assert.Equal(first.JobId, second.JobId);
        Assert.Equal(1, first.Attempt);
        Assert.Equal(2, second.Attempt);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, lateBeat);
        var row = (await TestCoordinator.QueryAsync<(string State, int Attempt, double Recall)>(ConnectionString,
            "SELECT state::text, attempt, (result->>'recall_at_1')::float8 FROM jobs WHERE sweep_id = @id", new { id = sweepId })).Single();
        Assert.Equal((StoredJobState.Succeeded, 2, 0.42), (StateLabels.ToJobState(row.State), row.Attempt, row.Recall));
    }

    [Fact]
    public async Task After_max_attempts_expiries_the_job_ends_lease_lost()
    {
        var sweepId = await Host.SeedSweepAsync(1, maxAttempts: 3);
        var worker = await Workers.RegisterAsync();

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var job = (await LeaseAsync(worker))!;
            Assert.Equal(attempt, job.Attempt);
            Clock.Advance(Lease + TimeSpan.FromSeconds(1));
            Assert.Single(await Rescuer().RescueAsync());
            Clock.Advance(TimeSpan.FromMinutes(1)); // past the retry backoff
        }

        Assert.Null(await LeaseAsync(worker));
        var row = (await TestCoordinator.QueryAsync<(string State, int Attempt, string Error)>(ConnectionString,
            "SELECT state::text, attempt, error FROM jobs WHERE sweep_id = @id", new { id = sweepId })).Single();
        Assert.Equal(StoredJobState.LeaseLost, StateLabels.ToJobState(row.State));
        Assert.Equal(3, row.Attempt);
        Assert.Contains("stopped heartbeating", row.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Heartbeats_keep_a_lease_alive_past_its_first_expiry()
    {
        await Host.SeedSweepAsync(1);
        var worker = await Workers.RegisterAsync();
        var job = (await LeaseAsync(worker))!;

        for (var i = 0; i < 4; i++)
        {
            Clock.Advance(Lease * 0.8);
            var beat = await Workers.HeartbeatAsync(new HeartbeatRequest { Lease = job.Token(worker) });
            Assert.False(beat.CancelRequested);
            Assert.Empty(await Rescuer().RescueAsync());
        }

        await Workers.CompleteJobAsync(new CompleteJobRequest { Lease = job.Token(worker) });
    }

    [Fact]
    public async Task Retryable_failure_requeues_after_backoff_and_permanent_failure_ends_failed()
    {
        var sweepId = await Host.SeedSweepAsync(1, maxAttempts: 3);
        var worker = await Workers.RegisterAsync();
        var job = (await LeaseAsync(worker))!;

        var retry = await Workers.FailJobAsync(new FailJobRequest { Lease = job.Token(worker), Error = "CUDA out of memory", Retryable = true });
        Assert.Equal(JobState.Queued, retry.State);
        Assert.Null(await LeaseAsync(worker));
        Clock.Advance(TimeSpan.FromSeconds(21));
        var again = (await LeaseAsync(worker))!;
        var final = await Workers.FailJobAsync(new FailJobRequest { Lease = again.Token(worker), Error = "bad dataset path", Retryable = false });
        var stale = await TestCoordinator.CodeOfAsync(async () =>
            await Workers.FailJobAsync(new FailJobRequest { Lease = job.Token(worker), Error = "late", Retryable = true }));

        Assert.Equal(2, again.Attempt);
        Assert.Equal(JobState.Failed, final.State);
        Assert.Equal(StatusCode.FailedPrecondition, stale);
        var row = (await TestCoordinator.QueryAsync<(string State, int Attempt, string Error)>(ConnectionString,
            "SELECT state::text, attempt, error FROM jobs WHERE sweep_id = @id", new { id = sweepId })).Single();
        Assert.Equal((StoredJobState.Failed, 2, "bad dataset path"), (StateLabels.ToJobState(row.State), row.Attempt, row.Error));
    }

    [Fact]
    public async Task A_released_job_is_requeued_at_once_without_using_up_an_attempt()
    {
        var sweepId = await Host.SeedSweepAsync(1, maxAttempts: 2);
        var worker = await Workers.RegisterAsync();
        var first = (await LeaseAsync(worker))!;

        await Workers.ReleaseJobAsync(new ReleaseJobRequest { Lease = first.Token(worker) });
        var stale = await TestCoordinator.CodeOfAsync(async () => await Workers.ReleaseJobAsync(new ReleaseJobRequest { Lease = first.Token(worker) }));
        var second = (await LeaseAsync(worker))!;

        Assert.Equal(StatusCode.FailedPrecondition, stale);
        Assert.Equal(first.JobId, second.JobId);
        Assert.Equal(2, second.Attempt);
        Assert.Equal(3, second.MaxAttempts);
        Assert.Equal(1L, await TestCoordinator.ScalarAsync<long>(ConnectionString,
            "SELECT count(*) FROM job_events WHERE sweep_id = @id AND state = 'queued' AND attempt = 2", new { id = sweepId }));
    }

    [Fact]
    public async Task A_released_attempt_does_not_lengthen_the_backoff_of_the_next_failure()
    {
        var sweepId = await Host.SeedSweepAsync(1, maxAttempts: 3);
        var worker = await Workers.RegisterAsync();
        var released = (await LeaseAsync(worker))!;
        await Workers.ReleaseJobAsync(new ReleaseJobRequest { Lease = released.Token(worker) });
        var failing = (await LeaseAsync(worker))!;

        await Workers.FailJobAsync(new FailJobRequest { Lease = failing.Token(worker), Error = "CUDA out of memory", Retryable = true });
        var backoff = await TestCoordinator.ScalarAsync<double>(ConnectionString,
            "SELECT extract(epoch FROM available_at - @now)::float8 FROM jobs WHERE sweep_id = @id", new { id = sweepId, now = Clock.GetUtcNow() });

        // The first failure's backoff (RetryBackoffBase, 20 s), as if the release had not happened.
        Assert.Equal(2, failing.Attempt);
        Assert.Equal(20, backoff, 1e-3);
    }

    [Fact]
    public async Task Progress_is_recorded_per_attempt_and_a_stale_report_is_refused()
    {
        await Host.SeedSweepAsync(1);
        var worker = await Workers.RegisterAsync();
        var job = (await LeaseAsync(worker))!;

        for (var epoch = 1; epoch <= 3; epoch++)
        {
            var report = new ReportProgressRequest { Lease = job.Token(worker), Epoch = epoch, Step = epoch * 100 };
            report.Metrics.Add("train_loss", 4.0 / epoch);
            await Workers.ReportProgressAsync(report);
        }

        var stale = new ReportProgressRequest { Lease = new Protos.LeaseToken { JobId = job.JobId, Attempt = job.Attempt + 1, WorkerId = worker }, Epoch = 9 };
        var code = await TestCoordinator.CodeOfAsync(async () => await Workers.ReportProgressAsync(stale));
        var missing = await TestCoordinator.CodeOfAsync(async () => await Workers.HeartbeatAsync(new HeartbeatRequest
        {
            Lease = new Protos.LeaseToken { JobId = 999_999, Attempt = 1, WorkerId = worker },
        }));
        var detail = await Host.Sweeps().GetJobAsync(new GetJobRequest { JobId = job.JobId });

        Assert.Equal(StatusCode.FailedPrecondition, code);
        Assert.Equal(StatusCode.NotFound, missing);
        Assert.Equal([1, 2, 3], detail.Progress.Select(p => p.Epoch));
        Assert.Equal(2.0, detail.Progress[1].Metrics["train_loss"]);
        Assert.Equal([JobState.Queued, JobState.Running], detail.History.Select(h => h.State));
        Assert.Equal(JobState.Running, detail.Job.State);
        Assert.Equal(worker, detail.Job.LeaseOwner);
    }

    [Fact]
    public async Task Silent_worker_goes_offline_and_an_unknown_worker_cannot_lease()
    {
        var quiet = await Workers.RegisterAsync("quiet");
        Clock.Advance(TimeSpan.FromSeconds(25));
        var chatty = await Workers.RegisterAsync("chatty");
        Clock.Advance(TimeSpan.FromSeconds(10));

        var offline = await Host.Services.GetRequiredService<WorkerLiveness>().MarkSilentWorkersAsync();
        var listed = (await Host.Sweeps().ListWorkersAsync(new ListWorkersRequest())).Workers;
        var unknown = await TestCoordinator.CodeOfAsync(async () => await Workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = "nobody" }));

        Assert.Contains(quiet, offline);
        Assert.DoesNotContain(chatty, offline);
        Assert.Equal(WorkerState.Offline, listed.Single(w => w.Id == quiet).State);
        Assert.Equal(WorkerState.Online, listed.Single(w => w.Id == chatty).State);
        Assert.Equal(StatusCode.NotFound, unknown);
    }

    [Fact]
    public async Task The_database_refuses_illegal_state_transitions()
    {
        var sweepId = await Host.SeedSweepAsync(1);
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();

        async Task<string?> RefusalAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("id", sweepId);
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

        Assert.Equal(PostgresErrorCodes.CheckViolation, await RefusalAsync(
            "UPDATE jobs SET state = 'succeeded', result = '{}', finished_at = now() WHERE sweep_id = @id"));
        Assert.Equal(PostgresErrorCodes.CheckViolation, await RefusalAsync("UPDATE jobs SET state = 'running' WHERE sweep_id = @id"));
        Assert.Equal(PostgresErrorCodes.CheckViolation, await RefusalAsync("UPDATE jobs SET attempt = 2 WHERE sweep_id = @id"));
        Assert.Equal(PostgresErrorCodes.CheckViolation, await RefusalAsync("UPDATE jobs SET state = 'lease_lost', finished_at = now() WHERE sweep_id = @id"));
        Assert.Equal(StoredJobState.Queued, StateLabels.ToJobState(await TestCoordinator.ScalarAsync<string>(ConnectionString, "SELECT state::text FROM jobs WHERE sweep_id = @id", new { id = sweepId })));
    }

    [Fact]
    public async Task Rescuers_running_at_once_requeue_each_expired_lease_exactly_once()
    {
        var sweepId = await Host.SeedSweepAsync(200);
        var worker = await Workers.RegisterAsync();
        while (await LeaseAsync(worker) is not null)
        {
        }

        Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var rescued = (await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Rescuer().RescueAsync())))).SelectMany(r => r).ToList();

        Assert.Equal(200, rescued.Count);
        Assert.Equal(200, rescued.Select(r => r.Id).Distinct().Count());
        Assert.Equal(200L, await TestCoordinator.ScalarAsync<long>(ConnectionString,
            "SELECT count(*) FROM jobs WHERE sweep_id = @id AND state = 'queued' AND attempt = 2 AND lease_owner IS NULL", new { id = sweepId }));
        Assert.Equal(200L, await TestCoordinator.ScalarAsync<long>(ConnectionString,
            "SELECT count(*) FROM job_events WHERE sweep_id = @id AND state = 'queued' AND attempt = 2", new { id = sweepId }));
    }

    [Fact]
    public async Task Jobs_are_leased_by_priority_then_age()
    {
        var older = await Host.SeedSweepAsync(2);
        Clock.Advance(TimeSpan.FromSeconds(1));
        var urgent = await Host.SeedSweepAsync(1, priority: 5);
        Clock.Advance(TimeSpan.FromSeconds(1));
        var newer = await Host.SeedSweepAsync(1);
        var worker = await Workers.RegisterAsync();

        var order = new List<long>();
        while (await LeaseAsync(worker) is { } job)
        {
            order.Add(job.SweepId);
        }

        Assert.Equal([urgent, older, older, newer], order);
    }

    private Task<LeasedJob?> LeaseAsync(string workerId) => Workers.LeaseNowAsync(workerId);
}
