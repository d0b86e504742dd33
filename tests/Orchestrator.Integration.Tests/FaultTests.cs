using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Orchestrator.LocalPostgres;
using Orchestrator.Protos;
using StateLabels = Orchestrator.Shared.States.StateLabels;
using StoredJobState = Orchestrator.Shared.States.JobState;
using StoredSweepState = Orchestrator.Shared.States.SweepState;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// Faults in a fixed order, not at random: two coordinators on one PostgreSQL, agents that know both; while
/// every trainer holds mid-job, PostgreSQL restarts and then one coordinator is killed outright. No job may be
/// lost or done twice, and no call may end in gRPC Unknown.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class FaultTests
{
    // Two one-slot workers: two jobs held across both faults, one leased after them.
    private const int Jobs = 3;
    private const int Epochs = 2;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_database_restart_and_a_killed_coordinator_during_a_sweep_lose_nothing_duplicate_nothing_and_answer_no_Unknown()
    {
        await using var database = await LocalPostgresCluster.StartAsync(new LocalPostgresOptions
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), $"orch-fault-pg-{Guid.NewGuid():N}"),
            Persistent = false,
            Unsafe = true,
        });
        await using var bed = await AgentTestBed.CreateAsync(leaseDuration: TimeSpan.FromSeconds(10), inProcessCoordinator: false, connectionString: database.ConnectionString);
        var first = new Uri($"http://127.0.0.1:{LoopbackPort.PickFree()}");
        var second = new Uri($"http://127.0.0.1:{LoopbackPort.PickFree()}");
        await using var doomed = CoordinatorProcess.Start("coordinator-1", first, bed.Settings, bed.Root);
        await using var survivor = CoordinatorProcess.Start("coordinator-2", second, bed.Settings, bed.Root);
        await CoordinatorProcess.WaitUntilServingAsync(first, doomed, Timeout);
        await CoordinatorProcess.WaitUntilServingAsync(second, survivor, Timeout);

        bed.StartWorker("w1", environment: bed.HoldTrainersAfterEpoch(1), coordinators: $"{Address(first)},{Address(second)}");
        bed.StartWorker("w2", environment: bed.HoldTrainersAfterEpoch(1), coordinators: $"{Address(second)},{Address(first)}");
        var sweep = await SubmitAsync(second, AgentTestBed.Spec("faults", seeds: Jobs, epochs: Epochs));
        await bed.WaitForHeldTrainersAsync(2, Timeout);

        // Fault 1: PostgreSQL goes away under both coordinators while two jobs hold leases and heartbeat.
        await database.StopServerAsync();
        await WaitForReadinessAsync(second, HealthCheckResponse.Types.ServingStatus.NotServing, bed);
        // Not a sleep: both agents' heartbeats have met the outage before the database comes back.
        await bed.WaitUntilAsync("a heartbeat of each agent to fail against the missing database",
            () => Task.FromResult(bed.Workers.All(w => w.Log.Contains("Heartbeat: coordinator", StringComparison.Ordinal))), Timeout);
        await database.StartServerAsync();
        await WaitForReadinessAsync(second, HealthCheckResponse.Types.ServingStatus.Serving, bed);

        // Fault 2: one coordinator dies; its agent moves to the other one.
        doomed.KillHard();
        bed.ReleaseTrainers();
        await bed.WaitUntilAsync("the sweep to end", async () => StateLabels.ToSweepState(await SweepStateAsync(bed, sweep)) != StoredSweepState.Active, Timeout);

        var logs = $"{bed.Logs}{Environment.NewLine}{survivor.Log}";
        var jobs = await bed.JobsAsync(sweep);
        Assert.Equal(Jobs, jobs.Count);
        Assert.All(jobs, j => Assert.True(j.State == StoredJobState.Succeeded && j.Result is not null, $"lost: job {j.Id} is {j.State} on attempt {j.Attempt}: {j.Error}{Environment.NewLine}{logs}"));
        foreach (var job in jobs)
        {
            Assert.Equal(1L, await bed.ScalarAsync<long>("SELECT count(*) FROM job_events WHERE job_id = @id AND state = 'succeeded'", job.Id));
            // Every epoch reported, none twice by one attempt (a retried ReportProgress included), the last by the successful attempt.
            var rows = await bed.ProgressRowsAsync(job.Id);
            var described = $"job {job.Id} (succeeded on attempt {job.Attempt}) progress rows (attempt, epoch, count): {string.Join(", ", rows)}";
            Assert.True(rows.All(r => r.Rows == 1), described);
            Assert.True(rows.Select(r => r.Epoch).Distinct().Order().SequenceEqual(Enumerable.Range(1, Epochs)), described);
            Assert.Contains(rows, r => r.Attempt == job.Attempt && r.Epoch == Epochs);
        }

        var unknown = logs.Split('\n').Where(line => line.Contains("Unknown", StringComparison.Ordinal)).ToList();
        Assert.True(unknown.Count == 0, "gRPC Unknown in the agents' or the surviving coordinator's log:" + Environment.NewLine + string.Join(Environment.NewLine, unknown));
    }

    private static string Address(Uri uri) => uri.ToString().TrimEnd('/');

    private static async Task<long> SubmitAsync(Uri coordinator, string spec)
    {
        using var channel = GrpcChannel.ForAddress(coordinator);
        var sweeps = new SweepService.SweepServiceClient(channel);
        var headers = new Metadata { { "authorization", $"Bearer {AgentTestBed.ClientToken}" } };
        return (await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = spec, CreateNew = true }, headers)).SweepId;
    }

    private static async Task WaitForReadinessAsync(Uri coordinator, HealthCheckResponse.Types.ServingStatus status, AgentTestBed bed)
    {
        using var channel = GrpcChannel.ForAddress(coordinator);
        var health = new Health.HealthClient(channel);
        await bed.WaitUntilAsync($"{coordinator} readiness {status}",
            async () => (await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5))).Status == status, Timeout);
    }

    private static Task<string> SweepStateAsync(AgentTestBed bed, long sweep) => bed.ScalarAsync<string>("SELECT state::text FROM sweeps WHERE id = @id", sweep);
}
