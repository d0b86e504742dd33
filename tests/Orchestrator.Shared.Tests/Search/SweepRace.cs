using System.Globalization;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Search;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Search;

/// <summary>
/// A tpe sweep against a `method: random` sweep of the same count and seed over head_lr × dropout, as the coordinator
/// runs them (TpeSweepTests) but without the database: one worker takes the jobs in lease order, and when trial j ends
/// the coordinator plans trial j + parallel from the results of trials 0…j, while the ones after j are unfinished. So
/// trial k (k ≥ parallel) sees trials 0…k − parallel, in trial order, exactly the observations TrialStore reads.
/// </summary>
internal static class SweepRace
{
    /// <summary>The scripted trainer's val_loss of a job.</summary>
    public delegate double Objective(JobParameters parameters);

    /// <summary>Minimum 0 at head_lr 1e-3, dropout 0.3; the long axis runs along the diagonal (TpeSweepTests' bowl).</summary>
    public static double RotatedBowl(JobParameters p)
    {
        var u = ((Math.Log10(p.HeadLr) + 5) / 4) - 0.5;
        var v = p.Dropout - 0.3;
        var along = (u + v) / Math.Sqrt(2);
        var across = (u - v) / Math.Sqrt(2);
        return (along * along) + (10 * across * across);
    }

    /// <summary>
    /// Branin (three minima of 0.397887, a curved valley) with x1 ∈ [−5, 10] along log10 head_lr ∈ [−5, −1] and
    /// x2 ∈ [0, 15] along dropout ∈ [0, 0.9]: a second, multimodal function, so a variant is not chosen for one bowl.
    /// </summary>
    public static double Branin(JobParameters p)
    {
        var x1 = -5 + (15 * (Math.Log10(p.HeadLr) + 5) / 4);
        var x2 = 15 * p.Dropout / 0.9;
        var b = 5.1 / (4 * Math.PI * Math.PI);
        var c = 5 / Math.PI;
        var t = 1 / (8 * Math.PI);
        return Math.Pow(x2 - (b * x1 * x1) + (c * x1) - 6, 2) + (10 * (1 - t) * Math.Cos(x1)) + 10;
    }

    /// <summary>A sharp cone along the axes, its tip at head_lr 2e-4, dropout 0.62: separable, where each axis alone can be learnt.</summary>
    public static double SharpCone(JobParameters p) => Math.Abs(Math.Log10(p.HeadLr) + 3.7) + (2 * Math.Abs(p.Dropout - 0.62));

    public static string Spec(string method, int count, int seed) => string.Create(CultureInfo.InvariantCulture, $$"""
        name: race
        dataset: {format: synthetic}
        encoders: [tiny_cnn]
        {{method}}
        count: {{count}}
        seed: {{seed}}
        parameters:
          epochs: 1
          head_lr: {min: 1e-5, max: 1e-1, log: true}
          dropout: {min: 0.0, max: 0.9}
        """);

    /// <summary>Every trial's value of a tpe sweep, in trial order.</summary>
    public static List<double> Tpe(Objective objective, int count, int parallel, int seed, TpeSettings settings)
    {
        var planner = new TpeTrialPlanner(SweepSpecParser.ParseModelBased(Spec($"method: tpe\nparallel: {parallel}", count, seed)), Better.Lower, settings);
        var trials = new List<TpeTrial>();
        var observations = new List<Observation>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var k = 0; k < count; k++)
        {
            // Trials k − parallel + 1 … k − 1 are queued or running when trial k is planned.
            var finished = Math.Max(0, k - parallel + 1);
            while (observations.Count < finished)
            {
                var ended = trials[observations.Count];
                observations.Add(new Observation(ended.Point, objective(ended.Jobs[0].Parameters)));
            }

            var trial = planner.Plan(observations, [.. trials.Skip(finished).Select(t => t.Point)], k, keys);
            keys.UnionWith(trial.Jobs.Select(j => j.JobKey));
            trials.Add(trial);
        }

        return [.. trials.Select(t => objective(t.Jobs[0].Parameters))];
    }

    /// <summary>Every job's value of a `method: random` sweep, in the order the spec draws them.</summary>
    public static List<double> Random(Objective objective, int count, int seed) =>
        [.. SweepSpecParser.Parse(Spec("method: random", count, seed)).Jobs.Select(j => objective(j.Parameters))];
}
