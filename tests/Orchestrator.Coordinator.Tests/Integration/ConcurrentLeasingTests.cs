using Google.Protobuf.WellKnownTypes;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>Many workers racing for one queue, on one coordinator and on two sharing a database.</summary>
public sealed class ConcurrentLeasingTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    [Fact]
    public async Task Twenty_workers_lease_and_complete_each_of_1000_jobs_exactly_once()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var sweepId = await host.SeedSweepAsync(1000);

        var completed = await RunWorkersAsync(Enumerable.Repeat(host, 20).ToList());

        Assert.Equal(1000, completed.Count);
        Assert.Equal(1000, completed.Distinct().Count());
        await AssertEachJobRanOnceAsync(sweepId, 1000);
    }

    [Fact]
    public async Task Two_coordinators_on_one_database_with_ten_workers_do_500_jobs_exactly_once()
    {
        // Both run their Quartz jobs quickly, so rescuer, liveness and completion race each other on the same rows too.
        var fastScheduler = new Dictionary<string, string?>
        {
            ["Coordinator:Scheduler:Enabled"] = "true",
            ["Coordinator:Scheduler:LeaseRescuerInterval"] = "00:00:00.100",
            ["Coordinator:Scheduler:WorkerLivenessInterval"] = "00:00:00.100",
            ["Coordinator:Scheduler:SweepCompletionInterval"] = "00:00:00.100",
        };
        await using var first = await TestCoordinator.StartAsync(database.ConnectionString, fastScheduler);
        await using var second = await TestCoordinator.StartAsync(database.ConnectionString, fastScheduler);
        var sweepId = await first.SeedSweepAsync(500);

        var completed = await RunWorkersAsync([.. Enumerable.Repeat(first, 5), .. Enumerable.Repeat(second, 5)]);

        Assert.Equal(500, completed.Count);
        Assert.Equal(500, completed.Distinct().Count());
        await AssertEachJobRanOnceAsync(sweepId, 500);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (StateLabels.ToSweepState(await TestCoordinator.ScalarAsync<string>(database.ConnectionString, "SELECT state::text FROM sweeps WHERE id = @id", new { id = sweepId })) != StoredSweepState.Finished)
        {
            Assert.True(DateTime.UtcNow < deadline, "the sweep was never marked finished");
            await Task.Delay(50);
        }
    }

    /// <summary>Each worker leases (no wait) and completes until the queue is empty; returns every completed job id.</summary>
    private static async Task<List<long>> RunWorkersAsync(IReadOnlyList<CoordinatorHost> hostPerWorker)
    {
        var tasks = hostPerWorker.Select((host, index) => Task.Run(async () =>
        {
            var workers = host.Workers();
            var workerId = await workers.RegisterAsync($"worker-{index}");
            var done = new List<long>();
            while (true)
            {
                var lease = await workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = workerId, Wait = Duration.FromTimeSpan(TimeSpan.Zero) });
                if (lease.Job is null)
                {
                    return done;
                }

                var request = new CompleteJobRequest { Lease = lease.Job.Token(workerId) };
                request.Metrics.Add("recall_at_1", lease.Job.JobId);
                await workers.CompleteJobAsync(request);
                done.Add(lease.Job.JobId);
            }
        })).ToList();
        return (await Task.WhenAll(tasks)).SelectMany(d => d).ToList();
    }

    private async Task AssertEachJobRanOnceAsync(long sweepId, int count)
    {
        var cs = database.ConnectionString;
        var id = new { id = sweepId };
        Assert.Equal((long)count, await TestCoordinator.ScalarAsync<long>(cs,
            "SELECT count(*) FROM jobs WHERE sweep_id = @id AND state = 'succeeded' AND attempt = 1 AND (result->>'recall_at_1')::bigint = id", id));
        Assert.Equal((long)count, await TestCoordinator.ScalarAsync<long>(cs,
            "SELECT count(*) FROM job_events WHERE sweep_id = @id AND state = 'running'", id));
        Assert.Equal((long)count, await TestCoordinator.ScalarAsync<long>(cs,
            "SELECT count(*) FROM job_events WHERE sweep_id = @id AND state = 'succeeded'", id));
        Assert.Equal(0L, await TestCoordinator.ScalarAsync<long>(cs,
            "SELECT count(*) FROM (SELECT job_id FROM job_events WHERE sweep_id = @id GROUP BY job_id, state HAVING count(*) > 1) d", id));
    }
}
