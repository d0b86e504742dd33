using System.Globalization;
using Orchestrator.Shared.Search;
using Xunit.Abstractions;

namespace Orchestrator.Shared.Tests.Search;

/// <summary>
/// How often TPE's best beats random search's over 100 seeds, with the coordinator's order of results
/// (<see cref="SweepRace"/>): the robust form of issue #19's "better in at least 8 of 10 seeds".
/// </summary>
public sealed class TpeWinRateTests(ITestOutputHelper output)
{
    private const int Count = 40;
    private const int Seeds = 100;

    private static readonly (string Name, SweepRace.Objective Objective)[] Functions =
        [("rotated bowl", SweepRace.RotatedBowl), ("Branin", SweepRace.Branin), ("sharp cone", SweepRace.SharpCone)];

    private static readonly (string Name, TpeSettings Settings)[] Variants =
    [
        ("univariate (Optuna's default)", new TpeSettings { Multivariate = false, ConstantLiar = false }),
        ("univariate + liar", new TpeSettings { Multivariate = false, ConstantLiar = true }),
        ("multivariate", new TpeSettings { Multivariate = true, ConstantLiar = false }),
        ("multivariate + liar (the default)", new TpeSettings()),
        ("multivariate + liar, 48 candidates", new TpeSettings { Multivariate = true, ConstantLiar = true, CandidateCount = 48 }),
        ("multivariate + liar, startup 5", new TpeSettings { Multivariate = true, ConstantLiar = true, StartupCount = 5 }),
        ("multivariate + liar, startup 20", new TpeSettings { Multivariate = true, ConstantLiar = true, StartupCount = 20 }),
    ];

    /// <summary>The table of variants × functions × parallel behind TpeSettings' defaults; minutes on two cores, so run by hand.</summary>
    [Fact(Skip = "measurement, about 30 s: remove Skip to print the win rates of every variant")]
    public void Win_rates_of_each_variant()
    {
        foreach (var (functionName, objective) in Functions)
        {
            var random = Enumerable.Range(0, Seeds).Select(seed => SweepRace.Random(objective, Count, seed).Min()).ToList();
            foreach (var parallel in new[] { 1, 2 })
            {
                foreach (var (variantName, settings) in Variants)
                {
                    var tpe = Enumerable.Range(0, Seeds).Select(seed => SweepRace.Tpe(objective, Count, parallel, seed, settings).Min()).ToList();
                    var wins = tpe.Zip(random).Count(p => p.First < p.Second);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{functionName}, parallel {parallel}, {variantName}: TPE better in {wins} of {Seeds}; mean log10 best TPE {tpe.Average(Math.Log10):F2}, random {random.Average(Math.Log10):F2}; seeds 0-9: {wins10(tpe, random)}"));
                }
            }
        }

        static int wins10(List<double> tpe, List<double> random) => tpe.Zip(random).Take(10).Count(p => p.First < p.Second);
    }

    /// <summary>
    /// The default sampler, through the coordinator's order of results, beats `method: random` with the same count and
    /// seed in most of 100 seeds on both functions, one trial at a time and two. Measured: rotated bowl 89 (parallel 1)
    /// and 90 (parallel 2), Branin 79 and 86; asserted with a margin of 4.
    /// </summary>
    [Theory]
    [InlineData("rotated bowl", 1, 85)]
    [InlineData("rotated bowl", 2, 85)]
    [InlineData("Branin", 1, 75)]
    [InlineData("Branin", 2, 82)]
    public void Tpe_beats_random_search_in_most_of_100_seeds(string function, int parallel, int atLeast)
    {
        var objective = Functions.Single(f => f.Name == function).Objective;
        var wins = 0;
        for (var seed = 0; seed < Seeds; seed++)
        {
            var tpe = SweepRace.Tpe(objective, Count, parallel, seed, new TpeSettings()).Min();
            var random = SweepRace.Random(objective, Count, seed).Min();
            wins += tpe < random ? 1 : 0;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {seed}: best of {Count}: TPE {tpe:G4}, random {random:G4}{(tpe < random ? "  (TPE better)" : string.Empty)}"));
        }

        output.WriteLine($"{function}, parallel {parallel}: TPE better in {wins} of {Seeds} seeds");
        Assert.True(wins >= atLeast, $"on the {function} with parallel {parallel} TPE beat random search in only {wins} of {Seeds} seeds (at least {atLeast} expected)");
    }

    /// <summary>
    /// The race reproduces TpeSweepTests' run through the coordinator on PostgreSQL exactly (parallel 2, seeds 0–9, the
    /// values that test printed): with the per-dimension sampler, the default before, and with the default, whose
    /// pending trials the race passes as TrialStore does.
    /// </summary>
    [Fact]
    public void The_race_gives_the_coordinators_values_for_seeds_0_to_9()
    {
        string[] perDimension =
        [
            "0.00527/0.005929", "0.000487/0.002724", "0.01086/0.09958", "0.007132/0.007843", "0.002885/0.003937",
            "0.00299/0.04073", "0.004658/0.002002", "0.01634/0.01159", "0.009687/0.02855", "0.003719/0.08582",
        ];
        string[] joint =
        [
            "0.0006641/0.005929", "0.0009831/0.002724", "0.0002571/0.09958", "0.000245/0.007843", "0.004532/0.003937",
            "0.002358/0.04073", "0.002179/0.002002", "0.001412/0.01159", "0.002372/0.02855", "0.002751/0.08582",
        ];

        Assert.Equal(perDimension, Race(new TpeSettings { Multivariate = false, ConstantLiar = false }));
        Assert.Equal(joint, Race(new TpeSettings()));

        static IEnumerable<string> Race(TpeSettings settings) => Enumerable.Range(0, 10).Select(seed => string.Create(CultureInfo.InvariantCulture,
            $"{SweepRace.Tpe(SweepRace.RotatedBowl, Count, 2, seed, settings).Min():G4}/{SweepRace.Random(SweepRace.RotatedBowl, Count, seed).Min():G4}"));
    }
}
