using Npgsql;
using Orchestrator.LocalPostgres;
using StoredJobState = Orchestrator.Shared.States.JobState;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// PostgreSQL crashes (immediate shutdown: no checkpoint, every session cut) under a sweep of 12 jobs on three
/// agents that know two coordinators, while each agent's trainer holds mid-job. The database outage must not lose a
/// job, run one twice, store an epoch twice, or move an agent to the other coordinator; and each agent's SIGTERM at
/// the end must be a clean exit.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class DatabaseRestartSweepTests
{
    private const int Jobs = 12;
    private const int Epochs = 1;
    private const string SwitchLine = "switching from coordinator";
    private const string HeartbeatRetryLine = "Heartbeat: coordinator";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    // Twelve trainers on the test machine's CPUs, three at a time.
    private static readonly TimeSpan SweepTimeout = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task An_immediate_database_restart_during_a_sweep_loses_no_job_duplicates_none_and_switches_no_coordinator()
    {
        await using var database = await LocalPostgresCluster.StartAsync(new LocalPostgresOptions
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), $"orch-db-restart-pg-{Guid.NewGuid():N}"),
            Persistent = false,

            // Durable, as a real server is: with synchronous_commit off (Unsafe) an immediate shutdown drops the
            // last commits the clients were told had happened, and an acknowledged epoch report would vanish.
            Unsafe = false,
        });
        await using var bed = await AgentTestBed.CreateAsync(connectionString: database.ConnectionString);
        var second = new Uri($"http://127.0.0.1:{LoopbackPort.PickFree()}");
        await using var secondCoordinator = CoordinatorProcess.Start("coordinator-2", second, bed.Settings, bed.Root);
        await CoordinatorProcess.WaitUntilServingAsync(second, secondCoordinator, Timeout);

        // Every agent knows both coordinators, so a failover on the outage would show as a switch line.
        var coordinators = $"{bed.Address.ToString().TrimEnd('/')},{second.ToString().TrimEnd('/')}";
        var agents = Enumerable.Range(1, 3)
            .Select(i => bed.StartWorker($"agent-{i}", environment: bed.HoldTrainersAfterEpoch(1), coordinators: coordinators)).ToList();
        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("db-restart", seeds: Jobs, epochs: Epochs, images: 24));
        await bed.WaitForHeldTrainersAsync(agents.Count, Timeout);
        await bed.WaitUntilAsync("epoch 1 of each held job to be stored", async () => await EpochOneReportsAsync(bed, sweep) >= agents.Count, Timeout);

        var logBeforeRestart = agents.ToDictionary(a => a, a => a.Log.Length);
        await database.StopServerAsync(PostgresStopMode.Immediate);
        // Not a sleep: every agent's heartbeat has met the outage before the database comes back.
        await bed.WaitUntilAsync("a heartbeat of each agent to fail against the missing database",
            () => Task.FromResult(agents.All(a => LogSince(a, logBeforeRestart[a]).Contains(HeartbeatRetryLine, StringComparison.Ordinal))), Timeout);
        await database.StartServerAsync();
        bed.ReleaseTrainers();
        await bed.WaitForSweepEndAsync(sweep, SweepTimeout);

        var jobs = await bed.JobsAsync(sweep);
        Assert.Equal(Jobs, jobs.Count);
        Assert.All(jobs, j => Assert.True(j.State == StoredJobState.Succeeded && j.Result is not null,
            $"lost: job {j.Id} is {j.State} on attempt {j.Attempt}: {j.Error}{Environment.NewLine}{bed.Logs}"));
        foreach (var job in jobs)
        {
            Assert.Equal(1L, await bed.ScalarAsync<long>("SELECT count(*) FROM job_events WHERE job_id = @id AND state = 'succeeded'", job.Id));
            var rows = await bed.ProgressRowsAsync(job.Id);
            var described = $"job {job.Id} (succeeded on attempt {job.Attempt}) progress rows (attempt, epoch, count): {string.Join(", ", rows)}";
            Assert.True(rows.Select(r => r.Epoch).Order().SequenceEqual(Enumerable.Range(1, Epochs)) && rows.All(r => r.Rows == 1),
                described + Environment.NewLine + bed.Logs);
        }

        var switches = agents.SelectMany(a => Lines(LogSince(a, logBeforeRestart[a])).Where(l => l.Contains(SwitchLine, StringComparison.Ordinal))).ToList();
        Assert.True(switches.Count == 0, "the database outage moved agents to the other coordinator:" + Environment.NewLine + string.Join(Environment.NewLine, switches));

        await StopCleanlyAsync(agents);
    }

    /// <summary>SIGTERM to each idle agent: exit 0, and nothing logged from the signal on that reads as a failure.</summary>
    private static async Task StopCleanlyAsync(List<LoggedProcess> agents)
    {
        var logBeforeSignal = agents.ToDictionary(a => a, a => a.Log.Length);
        agents.ForEach(a => a.Terminate());
        foreach (var agent in agents)
        {
            Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"{agent.Name} exits within its grace period{Environment.NewLine}{agent.Log}");
            Assert.True(agent.ExitCode == 0, $"{agent.Name}: exit code {agent.ExitCode}{Environment.NewLine}{agent.Log}");
            var failures = Lines(LogSince(agent, logBeforeSignal[agent]))
                .Where(line => AgentShutdownTests.FailureMarks.Any(mark => line.Contains(mark, StringComparison.Ordinal))).ToList();
            Assert.True(failures.Count == 0, $"{agent.Name}: log lines after SIGTERM that read as failures:{Environment.NewLine}{string.Join(Environment.NewLine, failures)}");
        }
    }

    private static async Task<long> EpochOneReportsAsync(AgentTestBed bed, long sweep)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(DISTINCT m.job_id) FROM job_metrics m JOIN jobs j ON j.id = m.job_id WHERE j.sweep_id = @sweep AND m.epoch = 1", connection);
        command.Parameters.AddWithValue("sweep", sweep);
        var count = (long)(await command.ExecuteScalarAsync())!;

        // The server is about to be killed: pooled connections of this test would be broken afterwards.
        NpgsqlConnection.ClearPool(connection);
        return count;
    }

    private static string LogSince(LoggedProcess process, int offset) => process.Log[Math.Min(offset, process.Log.Length)..];

    private static string[] Lines(string log) => log.Split('\n');
}
