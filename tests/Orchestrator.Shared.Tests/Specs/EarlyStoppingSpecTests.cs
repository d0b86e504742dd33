using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Specs;

/// <summary>
/// `early_stopping:` — ASHA, Hyperband or median stopping on a catalogue metric, its defaults filled in and written to the
/// canonical JSON; every bad block refused with each problem's path, and nothing parsed from a bad spec.
/// </summary>
public sealed class EarlyStoppingSpecTests
{
    private const string Head = "name: s\ndataset: {format: synthetic}\nencoders: [resnet18]\nparameters:\n  epochs: 9\n";

    public static TheoryData<string, string, string, string> BadBlocks => new()
    {
        { "not a mapping", "early_stopping: asha\n", "early_stopping", "must be a mapping" },
        { "a list", "early_stopping: [asha]\n", "early_stopping", "must be a mapping" },
        { "no type", "early_stopping: {eta: 3}\n", "early_stopping.type", "missing" },
        { "unknown type", "early_stopping: {type: pbt}\n", "early_stopping.type", "unknown type 'pbt'" },
        { "unknown key with a suggestion", "early_stopping: {type: asha, grase: 1}\n", "early_stopping.grase", "did you mean 'grace'" },
        { "eta 1", "early_stopping: {type: asha, eta: 1}\n", "early_stopping.eta", "must be between 2 and 100" },
        { "eta as text", "early_stopping: {type: asha, eta: three}\n", "early_stopping.eta", "expected a whole number" },
        { "fractional eta", "early_stopping: {type: asha, eta: 2.5}\n", "early_stopping.eta", "expected a whole number" },
        { "zero grace", "early_stopping: {type: asha, grace: 0}\n", "early_stopping.grace", "must be between 1 and 10000" },
        { "grace beyond max_epochs", "early_stopping: {type: asha, grace: 5, max_epochs: 4}\n", "early_stopping.grace", "leaves no rung below max_epochs 4" },
        { "grace equal to the epochs", "early_stopping: {type: asha, grace: 9}\n", "early_stopping.grace", "leaves no rung below max_epochs 9" },
        { "max_epochs beyond the jobs' epochs", "early_stopping: {type: asha, max_epochs: 27}\n", "early_stopping.max_epochs", "beyond the 9 epochs the jobs train" },
        { "metric not in the catalogue", "early_stopping: {type: asha, metric: val_los}\n", "early_stopping.metric", "did you mean 'val_loss'" },
        { "metric that scores nothing", "early_stopping: {type: asha, metric: epochs_completed}\n", "early_stopping.metric", "describes a run rather than scores it" },
        { "mode against the catalogue", "early_stopping: {type: asha, metric: t2i_r1, mode: min}\n", "early_stopping.mode", "contradicts the metric catalogue" },
        { "unknown mode", "early_stopping: {type: asha, mode: lowest}\n", "early_stopping.mode", "unknown mode 'lowest'" },
        { "unknown judge_seeds", "early_stopping: {type: asha, judge_seeds: mean}\n", "early_stopping.judge_seeds", "unknown value 'mean'" },
        { "median key under asha", "early_stopping: {type: asha, min_epochs: 2}\n", "early_stopping.min_epochs", "applies to type median only" },
        { "asha key under median", "early_stopping: {type: median, eta: 3}\n", "early_stopping.eta", "applies to type asha or hyperband only" },
        { "median min_epochs at the last epoch", "early_stopping: {type: median, min_epochs: 9}\n", "early_stopping.min_epochs", "leaves no epoch to judge" },
        { "zero min_completed", "early_stopping: {type: median, min_completed: 0}\n", "early_stopping.min_completed", "must be between 1 and 10000" },
        { "seed under asha", "early_stopping: {type: asha, seed: 7}\n", "early_stopping.seed", "applies to type hyperband only (its bracket draw)" },
        { "seed under median", "early_stopping: {type: median, seed: 7}\n", "early_stopping.seed", "applies to type hyperband only (its bracket draw)" },
        { "hyperband eta 1", "early_stopping: {type: hyperband, eta: 1}\n", "early_stopping.eta", "must be between 2 and 100" },
        { "hyperband grace at max_epochs", "early_stopping: {type: hyperband, grace: 4, max_epochs: 4}\n", "early_stopping.grace", "leaves no rung below max_epochs 4" },
        { "hyperband max_epochs beyond the jobs' epochs", "early_stopping: {type: hyperband, max_epochs: 10}\n", "early_stopping.max_epochs", "beyond the 9 epochs the jobs train" },
        { "hyperband negative seed", "early_stopping: {type: hyperband, seed: -1}\n", "early_stopping.seed", "must be between 0 and" },
        { "hyperband seed as text", "early_stopping: {type: hyperband, seed: lucky}\n", "early_stopping.seed", "expected a whole number" },
        { "median key under hyperband", "early_stopping: {type: hyperband, min_completed: 2}\n", "early_stopping.min_completed", "applies to type median only" },
        { "key given twice", "early_stopping:\n  type: asha\n  eta: 3\n  eta: 4\n", "early_stopping.eta", "given twice" },
    };

    [Theory]
    [MemberData(nameof(BadBlocks))]
    public void A_bad_block_is_refused_with_its_path_and_what_is_wrong(string why, string block, string path, string message)
    {
        var refusal = Assert.Throws<SpecValidationException>(() => SweepSpecParser.Parse(Head + block));

        Assert.True(refusal.Problems.Any(p => p.Path == path && p.Message.Contains(message, StringComparison.Ordinal)),
            $"{why}: expected a problem at '{path}' containing '{message}', got:{Environment.NewLine}{refusal.Message}");
    }

    [Fact]
    public void Every_problem_of_a_block_is_listed_at_once()
    {
        var refusal = Assert.Throws<SpecValidationException>(() => SweepSpecParser.Parse(
            Head + "early_stopping: {type: asha, eta: 1, max_epochs: 12, metric: accuracy, min_epochs: 2, colour: red}\n"));

        Assert.Equal(
            ["early_stopping.colour", "early_stopping.eta", "early_stopping.max_epochs", "early_stopping.metric", "early_stopping.min_epochs"],
            refusal.Problems.Select(p => p.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Asha_gets_its_defaults_from_the_jobs_and_its_rungs_lie_below_max_epochs()
    {
        var spec = SweepSpecParser.Parse(Head + "early_stopping: {type: asha}\n").Spec.EarlyStopping!;

        Assert.Equal((EarlyStoppingSpec.Asha, "val_loss", EarlyStoppingSpec.Together), (spec.Type, spec.Metric, spec.JudgeSeeds));
        Assert.Equal((1, 3, 9), (spec.Grace, spec.Eta, spec.MaxEpochs));
        Assert.Null(spec.MinEpochs);
        Assert.Equal([1, 3], spec.Rungs());
    }

    [Fact]
    public void Max_epochs_defaults_to_the_fewest_epochs_a_job_trains()
    {
        var spec = SweepSpecParser.Parse("name: s\ndataset: {format: synthetic}\nencoders: [resnet18]\nparameters:\n  epochs: [12, 30]\n" +
            "early_stopping: {type: asha, grace: 2, eta: 2}\n").Spec.EarlyStopping!;

        Assert.Equal(12, spec.MaxEpochs);
        Assert.Equal([2, 4, 8], spec.Rungs());
    }

    [Fact]
    public void Hyperband_reads_ashas_keys_and_a_seed_that_defaults_to_0_and_writes_it_to_the_canonical_json()
    {
        var spec = SweepSpecParser.Parse(Head + "early_stopping: {type: hyperband, grace: 1, eta: 3}\n").Spec;
        var seeded = SweepSpecParser.Parse(Head + "early_stopping: {type: hyperband, seed: 42}\n").Spec.EarlyStopping!;

        Assert.Equal((EarlyStoppingSpec.Hyperband, 1, 3, 9, 0), (spec.EarlyStopping!.Type, spec.EarlyStopping.Grace, spec.EarlyStopping.Eta, spec.EarlyStopping.MaxEpochs, spec.EarlyStopping.Seed));
        Assert.Equal([1, 3], spec.EarlyStopping.Rungs());
        Assert.Equal(42, seeded.Seed);
        Assert.Contains("\"early_stopping\":{\"eta\":3,\"grace\":1,\"judge_seeds\":\"together\",\"max_epochs\":9,\"metric\":\"val_loss\",\"seed\":0,\"type\":\"hyperband\"}",
            spec.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.Equal(spec.EarlyStopping, SweepSpecParser.Parse(spec.ToCanonicalJson()).Spec.EarlyStopping);
    }

    [Fact]
    public void Median_takes_a_higher_is_better_metric_with_its_mode_confirmed()
    {
        var spec = SweepSpecParser.Parse(Head + "early_stopping: {type: median, metric: t2i_r5, mode: max, min_epochs: 2, judge_seeds: separately}\n").Spec.EarlyStopping!;

        Assert.Equal((EarlyStoppingSpec.Median, "t2i_r5", EarlyStoppingSpec.Separately, 2, 3), (spec.Type, spec.Metric, spec.JudgeSeeds, spec.MinEpochs!.Value, spec.MinCompleted!.Value));
        Assert.Null(spec.Grace);
        Assert.Empty(spec.Rungs());
    }

    [Fact]
    public void The_canonical_json_is_a_spec_that_parses_back_to_the_same_block_and_a_spec_without_one_writes_none()
    {
        var parsed = SweepSpecParser.Parse(Head + "early_stopping: {type: asha, eta: 3, grace: 1}\n").Spec;
        var again = SweepSpecParser.Parse(parsed.ToCanonicalJson()).Spec;

        Assert.Equal(parsed.EarlyStopping, again.EarlyStopping);
        Assert.Equal(parsed.ToCanonicalJson(), again.ToCanonicalJson());
        Assert.Contains("\"early_stopping\":{\"eta\":3,\"grace\":1,\"judge_seeds\":\"together\",\"max_epochs\":9,\"metric\":\"val_loss\",\"type\":\"asha\"}", parsed.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("early_stopping", SweepSpecParser.Parse(Head).Spec.ToCanonicalJson(), StringComparison.Ordinal);
    }
}
