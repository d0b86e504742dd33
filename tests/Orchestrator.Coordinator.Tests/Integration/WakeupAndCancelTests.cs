using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Scheduling;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>Long-poll wake-up by NOTIFY, cancellation of a sweep, and the WatchSweep stream.</summary>
public sealed class WakeupAndCancelTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TimerWatchingClock clock = new();
    private CoordinatorHost? started;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (started is not null)
        {
            await started.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_waiting_lease_is_woken_by_a_queued_job_before_its_wait_ends()
    {
        var coordinator = await StartAsync(clock);
        var workers = coordinator.Workers();
        var worker = await workers.RegisterAsync();
        var parked = clock.TimerStarted(Wait);
        var start = clock.GetUtcNow();

        var waiting = workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = worker, Wait = Duration.FromTimeSpan(Wait) }).ResponseAsync;
        await parked.WaitAsync(Patience);
        Assert.False(waiting.IsCompleted);
        await coordinator.SeedSweepAsync(1);
        var leased = await waiting.WaitAsync(Patience);

        // The clock never moved, so the wait cannot have ended: the notification woke the lease.
        Assert.NotNull(leased.Job);
        Assert.Equal(start, clock.GetUtcNow());
    }

    [Fact]
    public async Task The_listener_reconnects_after_its_connection_is_killed_and_wakes_waiting_leases_again()
    {
        var coordinator = await StartAsync(clock);
        var workers = coordinator.Workers();
        var worker = await workers.RegisterAsync();
        const string listeners = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND state = 'idle'";
        var before = Assert.Single(await TestCoordinator.QueryAsync<int>(database.ConnectionString, listeners));

        await TestCoordinator.ScalarAsync<bool>(database.ConnectionString, "SELECT pg_terminate_backend(@before)", new { before });
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await TestCoordinator.QueryAsync<int>(database.ConnectionString, listeners)) is var now && (now.Count != 1 || now[0] == before))
        {
            Assert.True(DateTime.UtcNow < deadline, "the listener did not come back");
            await Task.Delay(100);
        }

        var parked = clock.TimerStarted(Wait);
        var waiting = workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = worker, Wait = Duration.FromTimeSpan(Wait) }).ResponseAsync;
        await parked.WaitAsync(Patience);
        await coordinator.SeedSweepAsync(1);
        var leased = await waiting.WaitAsync(Patience);

        Assert.NotNull(leased.Job);
    }

    [Fact]
    public async Task A_waiting_lease_with_nothing_queued_returns_empty_at_its_wait_and_not_before()
    {
        var coordinator = await StartAsync(clock);
        var workers = coordinator.Workers();
        var worker = await workers.RegisterAsync();
        var parked = clock.TimerStarted(Wait);

        var waiting = workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = worker, Wait = Duration.FromTimeSpan(Wait) }).ResponseAsync;
        await parked.WaitAsync(Patience);
        clock.Advance(Wait - TimeSpan.FromMilliseconds(1));
        var early = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromMilliseconds(300)));
        Assert.NotSame(waiting, early);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var response = await waiting.WaitAsync(Patience);

        Assert.Null(response.Job);
    }

    [Fact]
    public async Task Cancel_ends_queued_jobs_at_once_and_tells_a_running_job_through_its_heartbeat()
    {
        var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(5);
        var workers = host.Workers();
        var worker = await workers.RegisterAsync();
        var running = (await workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = worker })).Job;
        var beforeCancel = await workers.HeartbeatAsync(new HeartbeatRequest { Lease = running.Token(worker) });

        var cancelled = await host.Sweeps().CancelSweepAsync(new CancelSweepRequest { SweepId = sweepId });
        var afterCancel = await workers.HeartbeatAsync(new HeartbeatRequest { Lease = running.Token(worker) });
        var nothingLeft = (await workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = worker })).Job;
        var acknowledged = await workers.FailJobAsync(new FailJobRequest { Lease = running.Token(worker), Error = "cancelled by request", Retryable = true });
        var sweep = await host.Sweeps().GetSweepAsync(new GetSweepRequest { SweepId = sweepId });

        Assert.False(beforeCancel.CancelRequested);
        Assert.Equal(4, cancelled.CancelledJobs);
        Assert.Equal(1, cancelled.CancelRequestedJobs);
        Assert.True(afterCancel.CancelRequested);
        Assert.Null(nothingLeft);
        Assert.Equal(JobState.Cancelled, acknowledged.State);
        Assert.Equal(SweepState.Cancelled, sweep.State);
        Assert.Equal(5, sweep.Counts.Cancelled);
        Assert.Equal(5L, await TestCoordinator.ScalarAsync<long>(database.ConnectionString,
            "SELECT count(*) FROM jobs WHERE sweep_id = @id AND state = 'cancelled' AND finished_at IS NOT NULL", new { id = sweepId }));
    }

    [Fact]
    public async Task Watch_streams_every_state_change_and_ends_when_the_sweep_is_finished()
    {
        var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(3);
        var workers = host.Workers();
        var worker = await workers.RegisterAsync();
        using var watch = host.Sweeps().WatchSweep(new WatchSweepRequest { SweepId = sweepId });
        var received = Task.Run(async () =>
        {
            var changes = new List<JobStateChange>();
            while (await watch.ResponseStream.MoveNext(CancellationToken.None))
            {
                changes.Add(watch.ResponseStream.Current);
            }

            return changes;
        });

        for (var i = 0; i < 3; i++)
        {
            var job = (await workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = worker })).Job;
            await workers.CompleteJobAsync(new CompleteJobRequest { Lease = job.Token(worker) });
        }

        Assert.Equal([sweepId], await host.Services.GetRequiredService<SweepCompletion>().FinishCompletedAsync());
        var changes = await received.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(9, changes.Count);
        Assert.Equal(3, changes.Count(c => c.State == JobState.Succeeded));
        Assert.Equal(9, changes.Select(c => c.ResumeToken).Distinct().Count());

        using var resumed = host.Sweeps().WatchSweep(new WatchSweepRequest { SweepId = sweepId, ResumeToken = changes[4].ResumeToken });
        var rest = new List<JobStateChange>();
        while (await resumed.ResponseStream.MoveNext(CancellationToken.None))
        {
            rest.Add(resumed.ResponseStream.Current);
        }

        Assert.Equal(changes.Skip(5).Select(c => c.EventId), rest.Select(c => c.EventId));
        Assert.All(changes.GroupBy(c => c.JobId), g => Assert.Equal([JobState.Queued, JobState.Running, JobState.Succeeded], g.Select(c => c.State)));
    }

    /// <summary>A coordinator on this class's database, emptied first; on <paramref name="time"/> when given.</summary>
    private async Task<CoordinatorHost> StartAsync(TimeProvider? time = null)
    {
        // The safety re-check is far beyond the waits here: only the notification can wake a waiting lease.
        started = await TestCoordinator.StartAsync(database.ConnectionString, new Dictionary<string, string?>
        {
            ["Coordinator:Queue:SafetyRecheckInterval"] = "00:05:00",
            ["Coordinator:Queue:WatchPollInterval"] = "00:00:00.050",
        }, time);
        await TestCoordinator.ClearAsync(database.ConnectionString);
        return started;
    }
}
