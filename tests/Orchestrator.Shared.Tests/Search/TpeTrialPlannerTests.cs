using System.Text.Json.Nodes;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Search;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Search;

/// <summary>From suggestions to a tpe sweep's jobs: one per seed, never a job that exists, never one no worker could run.</summary>
public sealed class TpeTrialPlannerTests
{
    private const string Head = "name: s\ndataset: {format: synthetic}\nmethod: tpe\nseed: 3\n";

    [Fact]
    public void A_trial_is_one_job_per_seed_at_the_suggested_point()
    {
        var spec = SweepSpecParser.ParseModelBased(Head + """
            encoders: [tiny_cnn, resnet18]
            count: 20
            parallel: 2
            seeds: [0, 1, 2]
            parameters:
              head_lr: {min: 1e-5, max: 1e-1, log: true}
              epochs: 3
            """);
        var planner = new TpeTrialPlanner(spec, Better.Lower);

        var trial = planner.Plan([], 0, new HashSet<string>());

        Assert.Equal([0, 1, 2], trial.Jobs.Select(j => j.Parameters.Seed));
        Assert.All(trial.Jobs, j => Assert.Equal(trial.Point.Number("head_lr"), j.Parameters.HeadLr));
        Assert.All(trial.Jobs, j => Assert.Equal(trial.Point.ValueOf("encoder").GetValue<string>(), j.Parameters.Encoder));
        Assert.All(trial.Jobs, j => Assert.Equal(3, j.Parameters.Epochs));
        Assert.Equal(trial.Point.ToString(), planner.Space.PointOf(JsonNode.Parse(trial.Jobs[1].CanonicalParameters)!.AsObject()).ToString());
        Assert.Equal(trial.Jobs.Select(j => j.JobKey), planner.Plan([], 0, new HashSet<string>()).Jobs.Select(j => j.JobKey));
    }

    [Fact]
    public void Trials_over_a_small_space_never_repeat_a_job_and_end_up_covering_it()
    {
        // 2 encoders × 2 losses × batch sizes 8–9 hold 8 combinations; TPE would suggest the best one again and again.
        var spec = SweepSpecParser.ParseModelBased(Head + """
            encoders: [tiny_cnn, resnet18]
            count: 8
            parallel: 1
            parameters:
              loss: [study, infonce]
              batch_size: {min: 8, max: 9}
            """);
        var planner = new TpeTrialPlanner(spec, Better.Lower, new TpeSettings { StartupCount = 2 });
        var keys = new HashSet<string>();
        var observations = new List<Observation>();

        for (var t = 0; t < 8; t++)
        {
            var trial = planner.Plan(observations, t, keys);
            Assert.True(keys.Add(trial.Jobs[0].JobKey), $"trial {t} repeats {trial.Point}");
            observations.Add(new Observation(trial.Point, trial.Point.Number("batch_size")));
        }

        var refused = Assert.Throws<InvalidOperationException>(() => planner.Plan(observations, 8, keys));
        Assert.Contains("none of 1000 suggestions was both new and runnable", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_point_no_worker_could_run_is_passed_over()
    {
        // resnet18 needs 32 px at least; tiny_cnn takes 16.
        var spec = SweepSpecParser.ParseModelBased(Head + """
            encoders: [resnet18, tiny_cnn]
            count: 30
            parallel: 1
            parameters:
              image_size: {min: 16, max: 40}
            """);
        var planner = new TpeTrialPlanner(spec, Better.Lower);
        var keys = new HashSet<string>();
        var observations = new List<Observation>();

        var trials = new List<TpeTrial>();
        for (var t = 0; t < 30; t++)
        {
            var trial = planner.Plan(observations, t, keys);
            keys.UnionWith(trial.Jobs.Select(j => j.JobKey));
            observations.Add(new Observation(trial.Point, trial.Point.Number("image_size")));
            trials.Add(trial);
        }

        Assert.All(trials.Where(t => t.Jobs[0].Parameters.Encoder == "resnet18"), t => Assert.True(t.Jobs[0].Parameters.ImageSize >= 32, $"{t.Point} is below resnet18's 32 px"));
        Assert.Contains(trials, t => t.Jobs[0].Parameters.Encoder == "tiny_cnn" && t.Jobs[0].Parameters.ImageSize < 32);
    }

    [Fact]
    public void Only_a_tpe_spec_is_planned()
    {
        var random = SweepSpecParser.Parse("name: s\ndataset: {format: synthetic}\nencoders: [tiny_cnn]\nmethod: random\ncount: 1\n").Spec;

        Assert.Contains("only a tpe sweep", Assert.Throws<ArgumentException>(() => new TpeTrialPlanner(random, Better.Lower)).Message, StringComparison.Ordinal);
    }
}
