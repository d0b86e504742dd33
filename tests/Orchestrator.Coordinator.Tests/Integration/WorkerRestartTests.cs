using Grpc.Core;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// An agent restarted on its machine registers with the id it had: the leases of the run that died end then, not
/// when they expire, and their jobs can be leased again at once (no retry backoff) as their next attempt.
/// </summary>
public sealed class WorkerRestartTests(IsolatedDatabase database)
    : FakeClockCoordinatorTests(database, new Dictionary<string, string?>
    {
        ["Coordinator:Queue:HeartbeatInterval"] = "00:00:10",
        ["Coordinator:Queue:RetryBackoffBase"] = "00:00:20",
    })
{
    private const string Machine = "gpu-node-7";

    [Fact]
    public async Task A_restarted_worker_ends_its_old_leases_at_registration_and_the_job_is_leasable_at_once()
    {
        var sweepId = await Host.SeedSweepAsync(1);
        var before = await RegisterAsync("trainer-a");
        var standby = await RegisterAsync("trainer-b");
        var first = (await Workers.LeaseNowAsync(before))!;

        // The clock does not move: nothing has expired, only the registration says the old run is dead.
        var after = await RegisterAsync("trainer-a", previous: before);
        var second = await Workers.LeaseNowAsync(standby);
        var oldBeat = await TestCoordinator.CodeOfAsync(async () => await Workers.HeartbeatAsync(new HeartbeatRequest { Lease = first.Token(before) }));

        Assert.NotEqual(before, after);
        Assert.NotNull(second);
        Assert.Equal((first.JobId, 2), (second.JobId, second.Attempt));
        Assert.Equal(StatusCode.FailedPrecondition, oldBeat);
        var error = await TestCoordinator.ScalarAsync<string>(ConnectionString, "SELECT error FROM jobs WHERE sweep_id = @id", new { id = sweepId });
        Assert.Contains($"worker {before} restarted", error, StringComparison.Ordinal);
        Assert.Equal("offline", await TestCoordinator.ScalarAsync<string>(ConnectionString, "SELECT state::text FROM workers WHERE id = @id", new { id = before }));
    }

    [Fact]
    public async Task Another_worker_naming_an_id_not_its_own_ends_no_lease()
    {
        await Host.SeedSweepAsync(1);
        var owner = await RegisterAsync("trainer-a");
        var first = (await Workers.LeaseNowAsync(owner))!;

        await RegisterAsync("trainer-b", previous: owner);
        var beat = await Workers.HeartbeatAsync(new HeartbeatRequest { Lease = first.Token(owner) });

        Assert.NotNull(beat.LeaseExpiresAt);
        Assert.Equal("running", await TestCoordinator.ScalarAsync<string>(ConnectionString, "SELECT state::text FROM jobs WHERE id = @id", new { id = first.JobId }));
    }

    [Fact]
    public async Task A_previous_worker_id_that_is_not_an_id_is_refused_naming_the_field()
    {
        await TestCoordinator.RefusedAsync(() => RegisterAsync("trainer-a", previous: "../../etc"), StatusCode.InvalidArgument, "previous_worker_id");
    }

    private async Task<string> RegisterAsync(string name, string previous = "") =>
        (await Workers.RegisterWorkerAsync(new RegisterWorkerRequest { Name = name, Host = Machine, Version = "test", PreviousWorkerId = previous })).WorkerId;
}
