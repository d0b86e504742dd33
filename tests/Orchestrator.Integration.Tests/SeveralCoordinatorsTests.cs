using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using Orchestrator.Protos;
using Orchestrator.LocalPostgres;
using StateLabels = Orchestrator.Shared.States.StateLabels;
using StoredJobState = Orchestrator.Shared.States.JobState;
using StoredSweepState = Orchestrator.Shared.States.SweepState;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// The deployment with several coordinators on one database (infra/README.md): two `orch serve` processes, two
/// agents each pointed at a different one first, and one coordinator killed outright in the middle of a sweep.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class SeveralCoordinatorsTests
{
    // Two rounds for two one-slot workers: the first held across the kill, the second after it.
    private const int Jobs = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_sweep_outlives_a_killed_coordinator_and_every_job_succeeds_exactly_once()
    {
        // Short leases: a job the dying coordinator leased but never handed over comes back within seconds.
        await using var bed = await AgentTestBed.CreateAsync(leaseDuration: TimeSpan.FromSeconds(8), inProcessCoordinator: false);
        var first = new Uri($"http://127.0.0.1:{LoopbackPort.PickFree()}");
        var second = new Uri($"http://127.0.0.1:{LoopbackPort.PickFree()}");
        await using var doomed = CoordinatorProcess.Start("coordinator-1", first, bed.Settings, bed.Root);
        await using var survivor = CoordinatorProcess.Start("coordinator-2", second, bed.Settings, bed.Root);
        await CoordinatorProcess.WaitUntilServingAsync(first, doomed, Timeout);
        await CoordinatorProcess.WaitUntilServingAsync(second, survivor, Timeout);

        // Both trainers hold after their epoch, before their result: the kill lands while w1 runs a job it leased
        // through the doomed coordinator, so that job's heartbeats and result must find the other one.
        var orphan = bed.StartWorker("w1", environment: bed.HoldTrainersAfterEpoch(1), coordinators: $"{Address(first)},{Address(second)}");
        bed.StartWorker("w2", environment: bed.HoldTrainersAfterEpoch(1), coordinators: $"{Address(second)},{Address(first)}");
        var sweep = await SubmitAsync(second, AgentTestBed.Spec("two-coordinators", seeds: Jobs, epochs: 1));
        await bed.WaitForHeldTrainersAsync(2, Timeout);

        Assert.Equal(0, await CountAsync(bed, sweep, StoredJobState.Succeeded));
        doomed.KillHard();
        bed.ReleaseTrainers();
        await bed.WaitUntilAsync("the sweep to end", async () => StateLabels.ToSweepState(await bed.ScalarAsync<string>("SELECT state::text FROM sweeps WHERE id = @id", sweep)) != StoredSweepState.Active, Timeout);

        var jobs = await bed.JobsAsync(sweep);
        var logs = $"{bed.Logs}{Environment.NewLine}{survivor.Log}";
        Assert.All(jobs, j => Assert.True(j.State == StoredJobState.Succeeded, $"job {j.Id} is {j.State} on attempt {j.Attempt}: {j.Error}{Environment.NewLine}{logs}"));
        foreach (var job in jobs)
        {
            Assert.Equal(1L, await bed.ScalarAsync<long>("SELECT count(*) FROM job_events WHERE job_id = @id AND state = 'succeeded'", job.Id));
        }

        // The agent that was talking to the killed coordinator moved to the other and delivered results through it.
        var switched = orphan.Log.IndexOf($"switching from coordinator {first} to {second}", StringComparison.Ordinal);
        Assert.True(switched >= 0, "w1 moves to the surviving coordinator" + Environment.NewLine + orphan.Log);
        Assert.Contains("result delivered", orphan.Log[switched..], StringComparison.Ordinal);
        Assert.Equal(StoredSweepState.Finished, StateLabels.ToSweepState(await bed.ScalarAsync<string>("SELECT state::text FROM sweeps WHERE id = @id", sweep)));
    }

    private static string Address(Uri uri) => uri.ToString().TrimEnd('/');

    private static async Task<long> SubmitAsync(Uri coordinator, string spec)
    {
        using var channel = GrpcChannel.ForAddress(coordinator);
        var sweeps = new SweepService.SweepServiceClient(channel);
        var headers = new Metadata { { "authorization", $"Bearer {AgentTestBed.ClientToken}" } };
        return (await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = spec, CreateNew = true }, headers)).SweepId;
    }

    private static async Task<long> CountAsync(AgentTestBed bed, long sweepId, params StoredJobState[] states)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM jobs WHERE sweep_id = @id AND state::text = ANY(@states)", connection);
        command.Parameters.AddWithValue("id", sweepId);
        command.Parameters.AddWithValue("states", states.Select(StateLabels.Label).ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
