using System.Globalization;
using System.Text.Json.Nodes;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Search;
using Xunit.Abstractions;

namespace Orchestrator.Shared.Tests.Search;

/// <summary>
/// The TPE sampler against properties it must have: determinism, staying in the space, a uniform start, suggestions
/// drawn towards good results, and (the acceptance test of issue #19) beating random search on a known function.
/// </summary>
public sealed class TpeSamplerTests(ITestOutputHelper output)
{
    private static readonly string[] Letters = ["a", "b", "c"];

    private static readonly SearchSpace Mixed = new(
    [
        new NumberDimension("x", -2, 3),
        new NumberDimension("lr", 1e-6, 1e-1, log: true),
        new WholeNumberDimension("layers", 1, 9),
        new WholeNumberDimension("batch", 8, 512, log: true),
        new ChoiceDimension("letter", [.. Letters.Select(l => (JsonNode)JsonValue.Create(l))]),
    ]);

    /// <summary>Every kind of dimension counts; some results diverge (not a number), as a too-large learning rate does.</summary>
    private static double MixedObjective(SearchPoint p) =>
        p.Number("lr") > 0.05 ? double.NaN
        : Math.Pow(p.Number("x") - 1.2, 2) + Math.Pow(Math.Log10(p.Number("lr")) + 3, 2) + Math.Abs(p.Number("layers") - 4) +
          Math.Abs(Math.Log2(p.Number("batch")) - 6) + (p.ValueOf("letter").GetValue<string>() == "b" ? 0 : 1);

    [Fact]
    public void The_same_seed_and_results_give_the_same_suggestions_and_another_seed_others()
    {
        var first = Run(new TpeSampler(Mixed, Better.Lower, seed: 7), MixedObjective, budget: 30);
        var again = Run(new TpeSampler(Mixed, Better.Lower, seed: 7), MixedObjective, budget: 30);
        var other = Run(new TpeSampler(Mixed, Better.Lower, seed: 8), MixedObjective, budget: 30);

        Assert.Equal(first.Select(o => o.Point.ToString()), again.Select(o => o.Point.ToString()));
        Assert.NotEqual(first.Select(o => o.Point.ToString()), other.Select(o => o.Point.ToString()));
    }

    [Fact]
    public void A_suggestion_depends_on_the_trial_number_and_results_only_not_on_earlier_calls()
    {
        var sampler = new TpeSampler(Mixed, Better.Lower, seed: 3);
        var history = Run(sampler, MixedObjective, budget: 20);

        var before = sampler.Suggest(history, 20).ToString();
        for (var t = 0; t < 5; t++)
        {
            sampler.Suggest(history, 100 + t);
        }

        Assert.Equal(before, sampler.Suggest(history, 20).ToString());
        Assert.NotEqual(before, sampler.Suggest(history, 21).ToString());
    }

    [Fact]
    public void Suggestions_stay_within_the_bounds_and_the_choices()
    {
        var history = Run(new TpeSampler(Mixed, Better.Lower, seed: 11), MixedObjective, budget: 80);

        Assert.Contains(history, o => double.IsNaN(o.Value));
        foreach (var point in history.Select(o => o.Point))
        {
            Assert.InRange(point.Number("x"), -2, 3);
            Assert.InRange(point.Number("lr"), 1e-6, 1e-1);
            Assert.InRange(point.Number("layers"), 1, 9);
            Assert.InRange(point.Number("batch"), 8, 512);
            Assert.Equal(Math.Round(point.Number("layers")), point.Number("layers"));
            Assert.Equal(Math.Round(point.Number("batch")), point.Number("batch"));
            Assert.Contains(point.ValueOf("letter").GetValue<string>(), Letters);

            // A suggestion is a point of the space as a job would store it, and reads back as the same point.
            Assert.Equal(point.ToString(), Mixed.PointOf(JsonNode.Parse(point.ToString())!.AsObject()).ToString());
        }
    }

    [Fact]
    public void Before_the_startup_count_suggestions_are_uniform_and_ignore_the_results()
    {
        var sampler = new TpeSampler(Mixed, Better.Lower, seed: 5);
        const int Draws = 3000;
        var points = Enumerable.Range(0, Draws).Select(t => sampler.Suggest([], t)).ToList();

        AssertEvenly(points.Select(p => Tenth((p.Number("x") + 2) / 5)), bins: 10);
        AssertEvenly(points.Select(p => Tenth((Math.Log10(p.Number("lr")) + 6) / 5)), bins: 10);
        AssertEvenly(points.Select(p => (int)p.Number("layers") - 1), bins: 9);
        AssertEvenly(points.Select(p => Array.IndexOf(Letters, p.ValueOf("letter").GetValue<string>())), bins: 3);

        var nine = Run(sampler, MixedObjective, budget: 9);
        Assert.Equal(sampler.Suggest([], 9).ToString(), sampler.Suggest(nine, 9).ToString());
    }

    [Fact]
    public void Suggestions_concentrate_near_the_good_results()
    {
        // Forty results everywhere; random search would put 30 % of its points within 0.15 of x = 0.8, and a third on b.
        var space = new SearchSpace([new NumberDimension("x", 0, 1), new ChoiceDimension("letter", [.. Letters.Select(l => (JsonNode)JsonValue.Create(l))])]);
        var sampler = new TpeSampler(space, Better.Lower, seed: 1);
        var uniform = Enumerable.Range(0, 40).Select(t => sampler.Suggest([], t)).ToList();

        // Each dimension is judged on results where only it matters, so the test holds for the joint model (the
        // default) and the per-dimension one alike.
        var nearGoodX = Suggestions(sampler, uniform, p => Math.Abs(p.Number("x") - 0.8)).Count(p => Math.Abs(p.Number("x") - 0.8) <= 0.15);
        var onGoodLetter = Suggestions(sampler, uniform, p => p.ValueOf("letter").GetValue<string>() == "b" ? 0 : 1).Count(p => p.ValueOf("letter").GetValue<string>() == "b");

        output.WriteLine($"of 100 suggestions {nearGoodX} lie within 0.15 of x = 0.8; of another 100, {onGoodLetter} choose b");
        Assert.True(nearGoodX >= 80, $"only {nearGoodX} of 100 suggestions lie within 0.15 of the good results at x = 0.8");
        Assert.True(onGoodLetter >= 80, $"only {onGoodLetter} of 100 suggestions choose b, the choice of every good result");
    }

    [Fact]
    public void A_diverged_result_counts_among_the_bad_not_the_good()
    {
        // Every finite result is equal, so only the rank of not-a-number decides; sorted as .NET orders doubles it
        // would come first, and the good results would all lie where training diverged (x below 0.5).
        var space = new SearchSpace([new NumberDimension("x", 0, 1)]);
        var sampler = new TpeSampler(space, Better.Lower, seed: 4);
        var history = Enumerable.Range(0, 40).Select(t => sampler.Suggest([], t))
            .Select(p => new Observation(p, p.Number("x") < 0.5 ? double.NaN : 1.0))
            .ToList();

        var clear = Enumerable.Range(40, 100).Count(t => sampler.Suggest(history, t).Number("x") >= 0.5);

        Assert.True(clear >= 80, $"only {clear} of 100 suggestions avoid the half where every result diverged");
    }

    [Fact]
    public void Pending_trials_count_as_bad_with_the_constant_liar_and_change_nothing_without_it()
    {
        // Three trials still run at the best result's point: with the liar they weigh on the bad density there.
        var space = new SearchSpace([new NumberDimension("x", 0, 1)]);
        var sampler = new TpeSampler(space, Better.Lower, seed: 6);
        var history = Enumerable.Range(0, 30).Select(t => sampler.Suggest([], t)).Select(p => new Observation(p, Math.Abs(p.Number("x") - 0.8))).ToList();
        var best = history.MinBy(o => o.Value)!.Point;
        SearchPoint[] pending = [best, best, best];

        var near = (IReadOnlyList<SearchPoint> running) =>
            Enumerable.Range(30, 100).Count(t => Math.Abs(sampler.Suggest(history, running, t).Number("x") - best.Number("x")) <= 0.05);
        var nearWithout = near([]);
        var nearWith = near(pending);
        var unlied = new TpeSampler(space, Better.Lower, seed: 6, new TpeSettings { ConstantLiar = false });

        output.WriteLine($"of 100 suggestions {nearWithout} lie within 0.05 of the best result, {nearWith} while three trials run there");
        Assert.True(nearWith < nearWithout / 2, $"{nearWith} of 100 suggestions still lie within 0.05 of three running trials ({nearWithout} with none running)");
        Assert.Equal(unlied.Suggest(history, 30).ToString(), unlied.Suggest(history, pending, 30).ToString());
    }

    [Fact]
    public void Higher_is_better_on_negated_values_suggests_exactly_what_lower_is_better_does()
    {
        var lower = Run(new TpeSampler(Mixed, Better.Lower, seed: 2), MixedObjective, budget: 30);
        var higher = Run(new TpeSampler(Mixed, Better.Higher, seed: 2), p => -MixedObjective(p), budget: 30);

        Assert.Equal(lower.Select(o => o.Point.ToString()), higher.Select(o => o.Point.ToString()));
    }

    /// <summary>
    /// Issue #19's acceptance: with 40 evaluations each, TPE's best value beats random search's in at least 8 of 10
    /// seeds. The function is a bowl rotated 45° in (log10 learning rate, a linear parameter), so the two matter
    /// together (an axis-aligned bowl would flatter a per-dimension model). Random search is the sampler
    /// never leaving its uniform start, so both share their first 10 points and differ only in what TPE learns.
    /// </summary>
    [Fact]
    public void Tpe_finds_a_better_best_value_than_random_search_in_at_least_8_of_10_seeds_on_a_rotated_bowl()
    {
        var space = new SearchSpace([new NumberDimension("lr", 1e-5, 1e-1, log: true), new NumberDimension("momentum", 0, 1)]);
        const int Budget = 40;
        var wins = 0;
        for (var seed = 0; seed < 10; seed++)
        {
            var tpe = Run(new TpeSampler(space, Better.Lower, seed), RotatedBowl, Budget).Min(o => o.Value);
            var random = Run(new TpeSampler(space, Better.Lower, seed, new TpeSettings { StartupCount = int.MaxValue }), RotatedBowl, Budget).Min(o => o.Value);
            wins += tpe < random ? 1 : 0;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {seed}: best after {Budget}: TPE {tpe:G4}, random {random:G4}{(tpe < random ? "  (TPE better)" : string.Empty)}"));
        }

        output.WriteLine($"TPE better in {wins} of 10 seeds");
        Assert.True(wins >= 8, $"TPE beat random search in only {wins} of 10 seeds (at least 8 required)");
    }

    [Fact]
    public void Bad_use_is_refused_with_what_to_do()
    {
        Assert.Contains("higher or lower", Assert.Throws<ArgumentException>(() => new TpeSampler(Mixed, Better.Neither, 0)).Message, StringComparison.Ordinal);
        Assert.Contains("CandidateCount >= 1", Assert.Throws<ArgumentException>(() => new TpeSampler(Mixed, Better.Lower, 0, new TpeSettings { CandidateCount = 0 })).Message, StringComparison.Ordinal);

        var otherSpace = new SearchSpace([new NumberDimension("x", -2, 3)]);
        var stranger = new Observation(otherSpace.PointOf(new JsonObject { ["x"] = 0 }), 1);
        Assert.Contains("another search space", Assert.Throws<ArgumentException>(() => new TpeSampler(Mixed, Better.Lower, 0).Suggest([stranger], 0)).Message, StringComparison.Ordinal);
    }

    /// <summary>Minimum 0 at lr = 1e-3 (0.5 on the normalised log axis) and momentum 0.3; the long axis runs along the diagonal.</summary>
    private static double RotatedBowl(SearchPoint p)
    {
        var u = ((Math.Log10(p.Number("lr")) + 5) / 4) - 0.5;
        var v = p.Number("momentum") - 0.3;
        var along = (u + v) / Math.Sqrt(2);
        var across = (u - v) / Math.Sqrt(2);
        return (along * along) + (10 * across * across);
    }

    /// <summary>A hundred suggestions (trials 40 to 139) from the same results, scored by the objective.</summary>
    private static List<SearchPoint> Suggestions(TpeSampler sampler, List<SearchPoint> points, Func<SearchPoint, double> objective)
    {
        var history = points.Select(p => new Observation(p, objective(p))).ToList();
        return [.. Enumerable.Range(points.Count, 100).Select(t => sampler.Suggest(history, t))];
    }

    /// <summary>Asks, evaluates and records budget trials in order, as a coordinator would one job after another.</summary>
    private static List<Observation> Run(TpeSampler sampler, Func<SearchPoint, double> objective, int budget)
    {
        var history = new List<Observation>();
        for (var t = 0; t < budget; t++)
        {
            var point = sampler.Suggest(history, t);
            history.Add(new Observation(point, objective(point)));
        }

        return history;
    }

    /// <summary>Each of the bins holds its share within four standard deviations of a fair count (deterministic for the seed).</summary>
    private static void AssertEvenly(IEnumerable<int> values, int bins)
    {
        var counts = new int[bins];
        foreach (var value in values)
        {
            counts[value]++;
        }

        var expected = counts.Sum() / (double)bins;
        var slack = 4 * Math.Sqrt(expected);
        Assert.All(counts, c => Assert.InRange(c, expected - slack, expected + slack));
    }

    /// <summary>Which of ten equal bins a fraction of an axis falls in (its upper end in the last).</summary>
    private static int Tenth(double fraction) => Math.Min((int)Math.Floor(fraction * 10), 9);
}
