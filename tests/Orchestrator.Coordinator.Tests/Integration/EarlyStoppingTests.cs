using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orchestrator.Coordinator.EarlyStopping;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Protos;
using Orchestrator.Shared.Specs;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// Early stopping decided by the coordinator from reported epochs, through a scripted trainer: simulated workers that
/// lease over gRPC and report given val_loss curves. The expected stops are worked out by hand from the curves (see
/// each test), so the tests check the rules themselves, not a copy of their code.
/// </summary>
public sealed class EarlyStoppingTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>, IAsyncLifetime
{
    private const string MedianSpec = """
        name: median-6
        dataset: {format: synthetic}
        encoders: [resnet18]
        parameters:
          epochs: 4
          head_lr: [1e-4, 2e-4, 3e-4, 4e-4, 5e-4, 6e-4]
        early_stopping: {type: median, min_epochs: 2, min_completed: 2}
        """;

    // Rung 1: reports arrive in lease order 0…26. Every third job (0, 3, …, 24) is better than all before it, the
    // others worse than all before them. Optuna's rule keeps the best max(1, ⌊n/3⌋) of the n values at the rung so
    // far, so each of the nine good ones is the best when it arrives and goes on, and each other one is the worst and
    // stops: 27 reach rung 1, 9 pass it.
    private static readonly int[] StoppedAtRungOne = [1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22, 23, 25, 26];

    // Rung 3: the nine survivors (0, 3, …, 24) report epochs 2 and 3 in that order; of them every third (0, 9, 18) is
    // the best so far at epoch 3, the others the worst: 3 pass rung 3 and train to epoch 9.
    private static readonly int[] StoppedAtRungThree = [3, 6, 12, 15, 21, 24];

    // The cut each stopped job failed, by hand: at rung 1 the good values so far are 5.0, 4.9, 4.8, …; job 3k+1
    // (n = 3k+2, k ≥ 1) needs the k-th best of k+1 good values, 4.9; job 3k+2 (n = 3k+3) the (k+1)-th, 5.0; job 1
    // (n = 2) the best, 5.0. At rung 3 the good values are 3.0 (job 0), 2.9 (job 9), 2.8 (job 18) likewise.
    private static readonly Dictionary<int, (int Rung, double Cut)> ExpectedCuts = new()
    {
        [1] = (1, 5.0), [2] = (1, 5.0), [4] = (1, 4.9), [5] = (1, 5.0), [7] = (1, 4.9), [8] = (1, 5.0),
        [10] = (1, 4.9), [11] = (1, 5.0), [13] = (1, 4.9), [14] = (1, 5.0), [16] = (1, 4.9), [17] = (1, 5.0),
        [19] = (1, 4.9), [20] = (1, 5.0), [22] = (1, 4.9), [23] = (1, 5.0), [25] = (1, 4.9), [26] = (1, 5.0),
        [3] = (3, 3.0), [6] = (3, 3.0), [12] = (3, 2.9), [15] = (3, 3.0), [21] = (3, 2.9), [24] = (3, 3.0),
    };

    private CoordinatorHost host = null!;

    public async Task InitializeAsync()
    {
        host = await TestCoordinator.StartAsync(database.ConnectionString);
        await TestCoordinator.ClearAsync(database.ConnectionString);
    }

    public Task DisposeAsync() => host.DisposeAsync().AsTask();

    [Fact]
    public async Task Asha_with_eta_3_over_27_configurations_trains_the_rung_counts_stops_the_expected_jobs_and_keeps_the_best_curve()
    {
        var (sweepId, jobIds, stoppedAt) = await ScriptedTrainer.RunAshaAsync(host);

        var index = jobIds.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        var stops = await TestCoordinator.QueryAsync<(long JobId, string Rule, int Rung, string Metric, double Value, double Cut)>(database.ConnectionString,
            "SELECT job_id, rule, rung, metric, value, cut FROM job_stops WHERE sweep_id = @sweepId", new { sweepId });
        var reachedEpoch = await TestCoordinator.QueryAsync<(int Epoch, long Jobs)>(database.ConnectionString,
            "SELECT epoch, count(*) FROM job_metrics WHERE sweep_id = @sweepId GROUP BY epoch ORDER BY epoch", new { sweepId });
        var states = await StatesAsync(sweepId, index);
        var bestFinal = Enumerable.Range(0, 27).MinBy(i => ScriptedTrainer.AshaCurve(i)[^1]);
        var sweep = await host.Sweeps().GetSweepAsync(new GetSweepRequest { SweepId = sweepId });

        Assert.Equal(StoppedAtRungOne.Select(i => (i, 1)).Concat(StoppedAtRungThree.Select(i => (i, 3))).Order(), stoppedAt.Select(p => (p.Key, p.Value)).Order());
        Assert.Equal(ExpectedCuts.OrderBy(p => p.Key).Select(p => (p.Key, "asha", p.Value.Rung, "val_loss", ScriptedTrainer.AshaCurve(p.Key)[p.Value.Rung - 1], p.Value.Cut)),
            stops.Select(s => (index[s.JobId], s.Rule, s.Rung, s.Metric, s.Value, s.Cut)).OrderBy(s => s.Item1));
        Assert.Equal([(1, 27L), (2, 9L), (3, 9L), (4, 3L), (5, 3L), (6, 3L), (7, 3L), (8, 3L), (9, 3L)], reachedEpoch);
        Assert.Equal(63, reachedEpoch.Sum(r => r.Jobs)); // of the grid's 27 × 9 = 243
        Assert.Equal((63L, 243L, 24), (sweep.EpochsTrained, sweep.EpochsPlanned, sweep.Counts.Stopped));
        Assert.Equal([0, 9, 18], states.Where(s => s.Value == "succeeded").Select(s => s.Key).Order());
        Assert.Equal(24, states.Count(s => s.Value == "stopped"));
        Assert.Equal(18, bestFinal);
        Assert.Equal("succeeded", states[bestFinal]);
        Assert.Equal(24L, await TestCoordinator.ScalarAsync<long>(database.ConnectionString,
            "SELECT count(*) FROM job_events WHERE sweep_id = @sweepId AND state = 'stopped'", new { sweepId }));
        Assert.Equal([sweepId], await host.Services.GetRequiredService<SweepStore>().FinishCompletedAsync(DateTime.UtcNow));
    }

    [Fact]
    public async Task Hyperband_with_eta_3_over_27_configurations_runs_asha_within_each_bracket_stops_the_expected_jobs_and_keeps_the_best_curve()
    {
        var spec = SweepSpecParser.Parse(ScriptedTrainer.HyperbandSpec).Spec.EarlyStopping!;
        var brackets = new HyperbandBrackets(spec);
        var (sweepId, jobIds, stoppedAt) = await ScriptedTrainer.RunAsync(host, ScriptedTrainer.HyperbandSpec);

        var index = jobIds.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        var keys = (await TestCoordinator.QueryAsync<(long Id, string Key)>(database.ConnectionString,
            "SELECT id, (params - 'seed')::text FROM jobs WHERE sweep_id = @sweepId", new { sweepId })).ToDictionary(r => index[r.Id], r => r.Key);
        var bracketOf = Enumerable.Range(0, 27).Select(i => brackets.Of(keys[i])).ToArray();
        var expected = AshaWithinBrackets(bracketOf);
        var stops = await TestCoordinator.QueryAsync<(long JobId, string Rule, int Rung, double Value, double Cut, string Reason)>(database.ConnectionString,
            "SELECT job_id, rule, rung, value, cut, reason FROM job_stops WHERE sweep_id = @sweepId", new { sweepId });
        var states = await StatesAsync(sweepId, index);
        var sweep = await host.Sweeps().GetSweepAsync(new GetSweepRequest { SweepId = sweepId });

        // The draw: Hyperband's weights for S = 2 (9, 5 and 3 configurations), the same bracket from a fresh draw,
        // every bracket holding some of the 27 under seed 0, and another seed drawing otherwise.
        Assert.Equal([9L, 5L, 3L], brackets.Weights);
        Assert.Equal(bracketOf, Enumerable.Range(0, 27).Select(i => new HyperbandBrackets(spec).Of(keys[i])));
        Assert.Equal([13, 6, 8], Enumerable.Range(0, 3).Select(b => bracketOf.Count(x => x == b))); // seed 0's draw, pinned: a changed hash shows here
        Assert.NotEqual(bracketOf, Enumerable.Range(0, 27).Select(i => new HyperbandBrackets(spec with { Seed = 1 }).Of(keys[i])));

        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(p => (p.Key, p.Value.Rung)).Order(), stoppedAt.Select(p => (p.Key, p.Value)).Order());
        Assert.Equal(expected.OrderBy(p => p.Key).Select(p => (p.Key, "hyperband", p.Value.Rung, ScriptedTrainer.AshaCurve(p.Key)[p.Value.Rung - 1], p.Value.Cut)),
            stops.Select(s => (index[s.JobId], s.Rule, s.Rung, s.Value, s.Cut)).OrderBy(s => s.Item1));
        Assert.All(stops, s => Assert.StartsWith($"Hyperband bracket {bracketOf[index[s.JobId]]} of 0–2", s.Reason, StringComparison.Ordinal));
        Assert.DoesNotContain(stops, s => bracketOf[index[s.JobId]] == 2); // the last bracket has no rung below 9
        Assert.Equal(Enumerable.Range(0, 27).Where(i => !expected.ContainsKey(i)), states.Where(s => s.Value == "succeeded").Select(s => s.Key).Order());
        Assert.Equal("succeeded", states[18]); // the best curve (1.0 at epoch 9)
        Assert.Equal([1, 3, 9], sweep.Rungs.Select(r => r.Epoch)); // status: the union of the brackets' rungs, and the last epoch
        Assert.Equal(expected.Count, sweep.Rungs.Sum(r => r.Stopped));
        Assert.Equal((16, 129L, 243L), (expected.Count, sweep.EpochsTrained, sweep.EpochsPlanned)); // ASHA alone: 24 stopped, 63 epochs
    }

    [Theory]
    [InlineData("together", new[] { 2 })]
    [InlineData("separately", new[] { 1, 2 })]
    public async Task Seeds_of_a_configuration_are_judged_on_their_mean_or_each_alone_as_the_spec_says(string judgeSeeds, int[] expectedStopped)
    {
        // Jobs in lease order: a/seed 0, a/seed 1, b/seed 0, b/seed 1, reporting epoch 1 (a rung, eta 2) in that order.
        // Together: a's mean 1.0, then 2.0 (a alone at the rung: goes on); b's 2.5 is behind a's 2.0 (best 1 of 2):
        // stopped; b's mean (2.5 + 1.5) / 2 = 2.0 ties the cut: goes on. Separately: 3.0 is behind 1.0 (best 1 of 2),
        // 2.5 behind 1.0 (best 1 of 3), 1.5 ties the cut 1.5 (best 2 of 4): jobs 1 and 2 stop.
        double[] atRungOne = [1.0, 3.0, 2.5, 1.5];
        await ScriptedTrainer.SubmitAsync(host, $$"""
            name: seeds-{{judgeSeeds}}
            dataset: {format: synthetic}
            encoders: [resnet18]
            seeds: [0, 1]
            parameters:
              epochs: 3
              head_lr: [1e-4, 2e-4]
            early_stopping: {type: asha, grace: 1, eta: 2, judge_seeds: {{judgeSeeds}}}
            """);
        var workers = host.Workers();
        var worker = await workers.RegisterAsync();
        var stopped = new List<int>();
        var leases = new List<LeasedJob>();
        for (var i = 0; i < atRungOne.Length; i++)
        {
            leases.Add((await workers.LeaseNowAsync(worker))!);
        }

        for (var i = 0; i < atRungOne.Length; i++)
        {
            if ((await ScriptedTrainer.ReportAsync(workers, leases[i].Token(worker), 1, atRungOne[i])).Stopped)
            {
                stopped.Add(i);
            }
        }

        Assert.Equal([(1e-4, 0), (1e-4, 1), (2e-4, 0), (2e-4, 1)], leases.Select(l => Parameters(l)));
        Assert.Equal(expectedStopped, stopped);
    }

    [Fact]
    public async Task The_database_lets_only_a_running_job_stop()
    {
        var sweepId = await ScriptedTrainer.SubmitAsync(host, MedianSpec);

        var refusal = await Assert.ThrowsAsync<PostgresException>(() => TestCoordinator.ScalarAsync<long>(database.ConnectionString,
            "UPDATE jobs SET state = 'stopped', finished_at = now() WHERE sweep_id = @sweepId RETURNING id", new { sweepId }));

        Assert.Equal(PostgresErrorCodes.CheckViolation, refusal.SqlState);
        Assert.Contains("illegal transition queued -> stopped", refusal.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stopped_job_refuses_its_lease_afterwards_like_any_fenced_attempt()
    {
        await ScriptedTrainer.SubmitAsync(host, ScriptedTrainer.AshaSpec);
        var workers = host.Workers();
        var worker = await workers.RegisterAsync();
        var first = (await workers.LeaseNowAsync(worker))!;
        var second = (await workers.LeaseNowAsync(worker))!;
        await ScriptedTrainer.ReportAsync(workers, first.Token(worker), 1, 1.0);

        var answer = await ScriptedTrainer.ReportAsync(workers, second.Token(worker), 1, 2.0);
        var complete = await TestCoordinator.CodeOfAsync(() => ScriptedTrainer.CompleteAsync(workers, second.Token(worker), 2.0));
        var report = await TestCoordinator.CodeOfAsync(() => ScriptedTrainer.ReportAsync(workers, second.Token(worker), 2, 1.5));
        var beat = await TestCoordinator.CodeOfAsync(async () => await workers.HeartbeatAsync(new HeartbeatRequest { Lease = second.Token(worker) }));
        var job = await host.Sweeps().GetJobAsync(new GetJobRequest { JobId = second.JobId });

        Assert.True(answer.Stopped);
        Assert.Contains("ASHA rung 1: val_loss 2 is not among the best 1 of the 2 jobs", answer.StopReason, StringComparison.Ordinal);
        Assert.Equal((StatusCode.FailedPrecondition, StatusCode.FailedPrecondition, StatusCode.FailedPrecondition), (complete, report, beat));
        Assert.Equal(JobState.Stopped, job.Job.State);
        Assert.Equal(answer.StopReason, job.Job.StopReason);
        Assert.Equal([1], job.Progress.Select(p => p.Epoch));
    }

    [Fact]
    public async Task Median_stopping_stops_jobs_behind_the_completed_jobs_median_and_keeps_the_best_curve()
    {
        // Jobs run one after another, each to its end or its stop. Worked by hand (judged from epoch 2, before the
        // last epoch 4, once 2 jobs completed): jobs 0 and 1 run before 2 have completed; job 2 is ahead (2.0 < 3.25
        // at epoch 2, 2.0 < 2.5 at epoch 3); job 3's best 4.5 at epoch 2 is behind the median 3.0 of {3.0, 3.5, 2.0};
        // job 4 is ahead (2.9 < 3.0, then 2.4 < 2.8 of {2.0, 3.0, 2.8}); job 5 is ahead at epoch 2 (2.95 < 3.0) and
        // behind at epoch 3: 2.9 against the median 2.6 of {2.0, 3.0, 2.8, 2.4}.
        double[][] curves =
        [
            [4.0, 3.0, 2.0, 1.0],
            [4.0, 3.5, 3.0, 2.5],
            [3.0, 2.0, 2.8, 1.5],
            [5.0, 4.5, 4.0, 3.5],
            [3.5, 2.9, 2.4, 0.8],
            [3.2, 2.95, 2.9, 2.0],
        ];
        var sweepId = await ScriptedTrainer.SubmitAsync(host, MedianSpec);
        var workers = host.Workers();
        var worker = await workers.RegisterAsync();
        var ids = new List<long>();
        foreach (var curve in curves)
        {
            var lease = (await workers.LeaseNowAsync(worker))!;
            ids.Add(lease.JobId);
            var stopped = false;
            for (var epoch = 1; epoch <= curve.Length && !stopped; epoch++)
            {
                stopped = (await ScriptedTrainer.ReportAsync(workers, lease.Token(worker), epoch, curve[epoch - 1])).Stopped;
            }

            if (!stopped)
            {
                await ScriptedTrainer.CompleteAsync(workers, lease.Token(worker), curve[^1]);
            }
        }

        var index = ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        var stops = await TestCoordinator.QueryAsync<(long JobId, string Rule, int Rung, double Value, double Cut)>(database.ConnectionString,
            "SELECT job_id, rule, rung, value, cut FROM job_stops WHERE sweep_id = @sweepId", new { sweepId });
        var states = await StatesAsync(sweepId, index);

        Assert.Equal([(3, "median", 2, 4.5, 3.0), (5, "median", 3, 2.9, 2.6)],
            stops.Select(s => (index[s.JobId], s.Rule, s.Rung, s.Value, Math.Round(s.Cut, 9))).OrderBy(s => s.Item1));
        Assert.Equal([0, 1, 2, 4], states.Where(s => s.Value == "succeeded").Select(s => s.Key).Order());
        Assert.Equal(4, Enumerable.Range(0, curves.Length).MinBy(i => curves[i][^1]));
    }

    [Theory]
    [InlineData(ScriptedTrainer.AshaSpec)]
    [InlineData(ScriptedTrainer.HyperbandSpec)]
    public async Task Two_coordinators_on_one_database_receiving_reports_concurrently_stop_each_job_exactly_once(string spec)
    {
        await using var second = await TestCoordinator.StartAsync(database.ConnectionString);
        var sweepId = await ScriptedTrainer.SubmitAsync(host, spec);
        CoordinatorHost[] coordinators = [host, second];

        // 27 workers, alternately on each coordinator, each with its job, all reporting at once.
        var runs = Enumerable.Range(0, 27).Select(w => Task.Run(async () =>
        {
            var workers = coordinators[w % 2].Workers();
            var worker = await workers.RegisterAsync($"w{w}");
            var lease = (await workers.LeaseNowAsync(worker))!;
            for (var epoch = 1; epoch <= 9; epoch++)
            {
                if ((await ScriptedTrainer.ReportAsync(workers, lease.Token(worker), epoch, ScriptedTrainer.AshaCurve((int)(lease.JobId % 27))[epoch - 1])).Stopped)
                {
                    return (lease.JobId, Stopped: true);
                }
            }

            await ScriptedTrainer.CompleteAsync(workers, lease.Token(worker), 1.0);
            return (lease.JobId, Stopped: false);
        })).ToList();
        var ends = await Task.WhenAll(runs);

        var stoppedEvents = await TestCoordinator.QueryAsync<(long JobId, long Events)>(database.ConnectionString,
            "SELECT job_id, count(*) FROM job_events WHERE sweep_id = @sweepId AND state = 'stopped' GROUP BY job_id", new { sweepId });
        var stopRows = await TestCoordinator.QueryAsync<long>(database.ConnectionString, "SELECT job_id FROM job_stops WHERE sweep_id = @sweepId", new { sweepId });
        var stoppedJobs = ends.Where(e => e.Stopped).Select(e => e.JobId).Order().ToList();

        Assert.Equal(27, ends.Select(e => e.JobId).Distinct().Count());
        Assert.NotEmpty(stoppedJobs);
        Assert.Contains(ends, e => !e.Stopped); // the first job at every rung goes on
        Assert.Equal(stoppedJobs, stoppedEvents.Select(e => e.JobId).Order());
        Assert.All(stoppedEvents, e => Assert.Equal(1, e.Events));
        Assert.Equal(stoppedJobs, stopRows.Order());
        Assert.Equal(stoppedJobs.Count, await TestCoordinator.ScalarAsync<long>(database.ConnectionString,
            "SELECT count(*) FROM jobs WHERE sweep_id = @sweepId AND state = 'stopped'", new { sweepId }));
    }

    /// <summary>
    /// The stops ASHA defines within each bracket, worked from the curves in the scripted report order (every running
    /// job's epoch 1 in lease order, then epoch 2, …): with grace 1, eta 3 and max 9, bracket 0 judges at epochs 1 and
    /// 3, bracket 1 at 3, bracket 2 never. A job at its bracket's rung goes on if its value is among the best
    /// max(1, ⌊n/3⌋) of the n values its bracket recorded there so far, its own included (a tie goes on).
    /// </summary>
    private static Dictionary<int, (int Rung, double Cut)> AshaWithinBrackets(int[] bracketOf)
    {
        int[][] rungs = [[1, 3], [3], []];
        var recorded = new Dictionary<(int Bracket, int Rung), List<double>>();
        var stops = new Dictionary<int, (int Rung, double Cut)>();
        for (var epoch = 1; epoch <= 9; epoch++)
        {
            for (var i = 0; i < bracketOf.Length; i++)
            {
                if (stops.ContainsKey(i) || !rungs[bracketOf[i]].Contains(epoch))
                {
                    continue;
                }

                var value = ScriptedTrainer.AshaCurve(i)[epoch - 1];
                var atRung = recorded.TryGetValue((bracketOf[i], epoch), out var list) ? list : recorded[(bracketOf[i], epoch)] = [];
                atRung.Add(value);
                var cut = atRung.Order().ElementAt(Math.Max(1, atRung.Count / 3) - 1);
                if (value > cut)
                {
                    stops[i] = (epoch, cut);
                }
            }
        }

        return stops;
    }

    private static (double HeadLr, int Seed) Parameters(LeasedJob job)
    {
        var parameters = CanonicalJson.Deserialize<JobParameters>(job.ParametersJson);
        return (parameters.HeadLr, parameters.Seed);
    }

    private async Task<Dictionary<int, string>> StatesAsync(long sweepId, Dictionary<long, int> index) =>
        (await TestCoordinator.QueryAsync<(long Id, string State)>(database.ConnectionString,
            "SELECT id, state::text FROM jobs WHERE sweep_id = @sweepId", new { sweepId }))
        .ToDictionary(r => index[r.Id], r => r.State);
}
