using Grpc.Core;
using Orchestrator.Coordinator.Api;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>SubmitSweep through gRPC: expansion into jobs, duplicates, and reads of what was stored.</summary>
public sealed class SubmissionTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    private const string FourEncodersThreeRatesTwoSeeds = """
        name: grid-24
        dataset: {format: synthetic}
        encoders: [resnet50, mobilenet_v2, efficientnet_b0, inception_v3]
        seeds: [0, 1]
        parameters:
          head_lr: [1e-3, 1e-4, 1e-5]
        """;

    private static string RandomSpec(string name, int seed) => $"""
        name: {name}
        dataset: {"{"}format: synthetic{"}"}
        encoders: [mobilenet_v2]
        method: random
        count: 10
        seed: {seed}
        parameters:
          head_lr: {"{"}min: 1e-5, max: 1e-2, log: true{"}"}
          batch_size: [8, 16, 32, 64]
        """;

    [Fact]
    public async Task Four_encoders_by_three_learning_rates_by_two_seeds_store_exactly_24_queued_jobs()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var sweeps = host.Sweeps();

        var submitted = await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = FourEncodersThreeRatesTwoSeeds });

        Assert.Equal(24, submitted.JobCount);
        Assert.Equal(24L, await TestCoordinator.ScalarAsync<long>(database.ConnectionString,
            "SELECT count(DISTINCT job_key) FROM jobs WHERE sweep_id = @id AND state = 'queued' AND attempt = 1", new { id = submitted.SweepId }));
        Assert.Equal(6L, await TestCoordinator.ScalarAsync<long>(database.ConnectionString,
            "SELECT count(*) FROM jobs WHERE sweep_id = @id AND encoder = 'inception_v3'", new { id = submitted.SweepId }));
        var sweep = await sweeps.GetSweepAsync(new GetSweepRequest { SweepId = submitted.SweepId });
        Assert.Equal(SweepState.Active, sweep.State);
        Assert.Equal(24, sweep.Counts.Queued);
        Assert.Equal("grid-24", sweep.Name);
    }

    [Fact]
    public async Task Random_count_10_stores_10_distinct_jobs_and_the_same_10_for_the_same_seed()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var sweeps = host.Sweeps();

        var first = await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = RandomSpec("random-a", 7) });
        var again = await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = RandomSpec("random-b", 7) });
        var otherSeed = await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = RandomSpec("random-c", 8) });

        var keysA = await KeysAsync(first.SweepId);
        Assert.Equal(10, first.JobCount);
        Assert.Equal(10, keysA.Distinct().Count());
        Assert.Equal(keysA, await KeysAsync(again.SweepId));
        Assert.NotEqual(keysA, await KeysAsync(otherSeed.SweepId));
    }

    [Fact]
    public async Task Identical_resubmission_is_refused_with_already_exists_unless_a_new_sweep_is_asked_for()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var sweeps = host.Sweeps();
        var spec = FourEncodersThreeRatesTwoSeeds.Replace("grid-24", "resubmitted", StringComparison.Ordinal);
        var first = await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = spec });

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = spec }));
        var second = await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = spec, CreateNew = true });

        Assert.Equal(StatusCode.AlreadyExists, refused.StatusCode);
        Assert.Contains(TestCoordinator.Invariant($"sweep {first.SweepId}"), refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(new ExistingSweep(first.SweepId, "resubmitted"), ExistingSweep.From(refused));
        Assert.NotEqual(first.SweepId, second.SweepId);
        Assert.Equal(2L, await TestCoordinator.ScalarAsync<long>(database.ConnectionString, "SELECT count(*) FROM sweeps WHERE name = 'resubmitted'"));
        Assert.Equal(48L, await TestCoordinator.ScalarAsync<long>(database.ConnectionString,
            "SELECT count(*) FROM jobs j JOIN sweeps s ON s.id = j.sweep_id WHERE s.name = 'resubmitted'"));
    }

    [Fact]
    public async Task Identical_submissions_racing_each_other_store_one_sweep()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var sweeps = host.Sweeps();
        var spec = FourEncodersThreeRatesTwoSeeds.Replace("grid-24", "raced", StringComparison.Ordinal);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            try
            {
                await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = spec });
                return StatusCode.OK;
            }
            catch (RpcException exception)
            {
                return exception.StatusCode;
            }
        })));

        Assert.Equal(1, outcomes.Count(c => c == StatusCode.OK));
        Assert.Equal(5, outcomes.Count(c => c == StatusCode.AlreadyExists));
        Assert.Equal(1L, await TestCoordinator.ScalarAsync<long>(database.ConnectionString, "SELECT count(*) FROM sweeps WHERE name = 'raced'"));
    }

    [Fact]
    public async Task Unknown_sweeps_and_jobs_are_not_found()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var sweeps = host.Sweeps();

        Assert.Equal(StatusCode.NotFound, await TestCoordinator.CodeOfAsync(async () => await sweeps.GetSweepAsync(new GetSweepRequest { SweepId = 987_654 })));
        Assert.Equal(StatusCode.NotFound, await TestCoordinator.CodeOfAsync(async () => await sweeps.CancelSweepAsync(new CancelSweepRequest { SweepId = 987_654 })));
        Assert.Equal(StatusCode.NotFound, await TestCoordinator.CodeOfAsync(async () => await sweeps.GetJobAsync(new GetJobRequest { JobId = 987_654 })));
        Assert.Equal(StatusCode.NotFound, await TestCoordinator.CodeOfAsync(async () => await sweeps.ListJobsAsync(new ListJobsRequest { SweepId = 987_654 })));
        Assert.Equal(StatusCode.NotFound, await TestCoordinator.CodeOfAsync(async () =>
        {
            using var watch = sweeps.WatchSweep(new WatchSweepRequest { SweepId = 987_654 });
            await watch.ResponseStream.MoveNext();
        }));
    }

    [Fact]
    public async Task ListJobs_pages_through_one_state_of_one_sweep()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var sweepId = await host.SeedSweepAsync(25);
        var sweeps = host.Sweeps();

        var seen = new List<long>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await sweeps.ListJobsAsync(new ListJobsRequest { SweepId = sweepId, State = JobState.Queued, PageSize = 10, PageToken = token });
            seen.AddRange(page.Jobs.Select(j => j.Id));
            Assert.All(page.Jobs, j => Assert.Equal(JobState.Queued, j.State));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);

        Assert.Equal(25, seen.Distinct().Count());
        Assert.Equal(3, pages);
        Assert.Empty((await sweeps.ListJobsAsync(new ListJobsRequest { SweepId = sweepId, State = JobState.Succeeded })).Jobs);
        Assert.Contains((await sweeps.ListSweepsAsync(new ListSweepsRequest())).Sweeps, s => s.Id == sweepId && s.JobCount == 25);
    }

    private Task<List<string>> KeysAsync(long sweepId) =>
        TestCoordinator.QueryAsync<string>(database.ConnectionString, "SELECT job_key FROM jobs WHERE sweep_id = @id ORDER BY job_key", new { id = sweepId });
}
