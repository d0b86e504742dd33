using Dapper;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.LocalPostgres;

namespace Orchestrator.Coordinator.Tests.LocalPostgres;

/// <summary>
/// A coordinator whose PostgreSQL restarts under it (an upgrade, a failover): its Quartz jobs and its LISTEN
/// connection ride it out with a warning and no stack trace, and readiness follows the database.
/// Runs on a cluster of its own, since it stops the server.
/// </summary>
public sealed class DatabaseRestartTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Scheduled_jobs_and_the_listener_survive_a_database_restart_and_readiness_follows_the_database()
    {
        var options = new LocalPostgresOptions { DataDirectory = Path.Combine(Path.GetTempPath(), $"orch-pg-restart-{Guid.NewGuid():N}"), Persistent = false, Unsafe = true };
        await using var cluster = await LocalPostgresCluster.StartAsync(options);
        var logs = new RecordedLogs();
        await using var host = await CoordinatorHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:Orchestrator"] = cluster.ConnectionString,
                ["Coordinator:Auth:WorkerToken"] = TestCoordinator.WorkerToken,
                ["Coordinator:Auth:ClientToken"] = TestCoordinator.ClientToken,
                ["Coordinator:Queue:LeaseDuration"] = "00:00:02",
                ["Coordinator:Queue:HeartbeatInterval"] = "00:00:01",
                ["Coordinator:Queue:RetryBackoffBase"] = "00:00:00",
                ["Coordinator:Scheduler:LeaseRescuerInterval"] = "00:00:00.2",
                ["Coordinator:Scheduler:WorkerLivenessInterval"] = "00:00:00.2",
                ["Coordinator:Scheduler:SweepCompletionInterval"] = "00:00:00.2",
            },
            services => services.AddSingleton<ILoggerProvider>(logs));
        var health = new Health.HealthClient(host.Connect(token: null));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await ReadinessAsync(health));

        await cluster.StopServerAsync();
        await WaitUntilAsync(async () => await ReadinessAsync(health) == HealthCheckResponse.Types.ServingStatus.NotServing, "readiness NOT_SERVING while the database is down", logs);
        await Task.Delay(TimeSpan.FromSeconds(1)); // five ticks of every scheduled job against a database that is gone
        await cluster.StartServerAsync();
        await WaitUntilAsync(async () => await ReadinessAsync(health) == HealthCheckResponse.Types.ServingStatus.Serving, "readiness SERVING once the database is back", logs);

        // The lease rescuer still runs: a lease left to lapse after the restart comes back to the queue.
        var workers = host.Workers();
        var worker = await workers.RegisterAsync();
        var sweep = await host.SeedSweepAsync(1);
        var leased = await workers.LeaseNowAsync(worker);
        Assert.NotNull(leased);
        await WaitUntilAsync(async () => await AttemptQueuedAsync(cluster.ConnectionString, sweep) == 2, "the lapsed lease queued again as attempt 2", logs);

        var all = logs.Entries;
        Assert.True(all.All(e => e.Exception is null), "no log entry carries a stack trace:" + Environment.NewLine + logs);
        Assert.True(all.All(e => e.Level < LogLevel.Error || e.Category.StartsWith("Microsoft.Extensions.Diagnostics.HealthChecks", StringComparison.Ordinal)),
            "nothing but the failing readiness check logs an error:" + Environment.NewLine + logs);
        Assert.Contains(all, e => e.Level == LogLevel.Warning && e.Category.StartsWith("Orchestrator.Coordinator.Scheduling.", StringComparison.Ordinal));
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus> ReadinessAsync(Health.HealthClient health) =>
        (await health.CheckAsync(new HealthCheckRequest { Service = CoordinatorHealth.ReadinessService }, deadline: DateTime.UtcNow.AddSeconds(10))).Status;

    private static async Task<int?> AttemptQueuedAsync(string connectionString, long sweep)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.QuerySingleOrDefaultAsync<int?>("SELECT attempt FROM jobs WHERE sweep_id = @sweep AND state = 'queued'", new { sweep });
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, RecordedLogs logs)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"timed out waiting for {what}{Environment.NewLine}{logs}");
    }
}
