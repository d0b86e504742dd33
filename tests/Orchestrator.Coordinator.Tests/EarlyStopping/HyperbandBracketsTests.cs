using Orchestrator.Coordinator.EarlyStopping;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Tests.EarlyStopping;

/// <summary>Hyperband's brackets: their count, weights and rungs against the paper's tables, and a stable draw.</summary>
public sealed class HyperbandBracketsTests
{
    private static EarlyStoppingSpec Block(int grace, int eta, int maxEpochs, int seed = 0) =>
        new() { Type = EarlyStoppingSpec.Hyperband, Grace = grace, Eta = eta, MaxEpochs = maxEpochs, Seed = seed };

    [Theory]
    [InlineData(1, 3, 9, new long[] { 9, 5, 3 })] // Li et al.: S = 2, n = 9, 5, 3
    [InlineData(1, 2, 8, new long[] { 8, 6, 4, 4 })] // S = 3: n = 8, 6, 4, 4 (mlr3hyperband's schedule for eta 2)
    [InlineData(1, 3, 81, new long[] { 81, 34, 15, 8, 5 })] // Li et al.'s R = 81, eta 3 example
    [InlineData(2, 3, 5, new long[] { 1 })] // grace·eta beyond max_epochs: one bracket, plain ASHA
    public void The_brackets_are_weighted_by_the_configurations_hyperbands_brackets_start_with(int grace, int eta, int maxEpochs, long[] weights)
    {
        var brackets = new HyperbandBrackets(Block(grace, eta, maxEpochs));

        Assert.Equal(weights, brackets.Weights);
        Assert.Equal(weights.Length, brackets.Count);
    }

    [Fact]
    public void Bracket_s_runs_asha_from_grace_times_eta_to_the_s_and_the_last_may_judge_nothing()
    {
        var brackets = new HyperbandBrackets(Block(1, 3, 27));

        Assert.Equal(new int[][] { [1, 3, 9], [3, 9], [9], [] }, Enumerable.Range(0, brackets.Count).Select(b => brackets.Asha(b).Rungs().ToArray()));
        Assert.Equal(EarlyStoppingSpec.Asha, brackets.Asha(1).Type);
    }

    [Fact]
    public void The_draw_depends_on_the_seed_and_the_key_only_and_follows_the_weights()
    {
        var keys = Enumerable.Range(0, 1700).Select(i => $"{{\"head_lr\": {i}}}").ToList();
        var draw = keys.Select(new HyperbandBrackets(Block(1, 3, 9)).Of).ToList();

        Assert.Equal(draw, keys.Select(new HyperbandBrackets(Block(1, 3, 9)).Of));
        Assert.NotEqual(draw, keys.Select(new HyperbandBrackets(Block(1, 3, 9, seed: 1)).Of));
        // 9 : 5 : 3 of 1700 is 900, 500, 300; a fair draw lands within a few standard deviations (~25) of each.
        Assert.All(new[] { (0, 900), (1, 500), (2, 300) }, p => Assert.InRange(draw.Count(b => b == p.Item1), p.Item2 - 100, p.Item2 + 100));
    }

    [Fact]
    public void A_stop_is_hyperbands_and_names_its_bracket()
    {
        var brackets = new HyperbandBrackets(Block(1, 3, 9));

        var stop = brackets.Judge(1, Better.Lower, 3, 2.0, [1.0, 2.0])!;

        Assert.Equal((EarlyStoppingSpec.Hyperband, 3, 2.0, 1.0), (stop.Rule, stop.Epoch, stop.Value, stop.Cut));
        Assert.StartsWith("Hyperband bracket 1 of 0–2 (rungs 3;", stop.Reason, StringComparison.Ordinal);
        Assert.Null(brackets.Judge(1, Better.Lower, 1, 2.0, [1.0, 2.0])); // epoch 1 is bracket 0's rung, not bracket 1's
    }
}
