using Orchestrator.Shared.Search;
using Orchestrator.Shared.Specs;
using Orchestrator.Testing;

namespace Orchestrator.Shared.Tests.Specs;

/// <summary>The specs in examples/ stay valid and mean what their comments say.</summary>
public sealed class ExampleSpecTests
{
    [Theory]
    [InlineData("demo.yaml", 3)]
    [InlineData("study-flickr30k.yaml", 4)]
    [InlineData("small-encoders.yaml", 30)]
    [InlineData("pretrained-flickr8k.yaml", 2)]
    [InlineData("pretrained-frozen-flickr8k.yaml", 3)]
    [InlineData("asha-synthetic.yaml", 27)]
    [InlineData("hyperband-synthetic.yaml", 27)]
    public void Example_parses_to_its_documented_job_count(string file, int jobs)
    {
        var parsed = SweepSpecParser.Parse(File.ReadAllText(Path.Combine(ExamplesDirectory(), file)));

        Assert.Equal(jobs, parsed.Jobs.Count);
    }

    [Fact]
    public void The_asha_example_judges_at_rungs_one_and_three_of_nine_epochs()
    {
        var spec = SweepSpecParser.Parse(File.ReadAllText(Path.Combine(ExamplesDirectory(), "asha-synthetic.yaml"))).Spec.EarlyStopping!;

        Assert.Equal((EarlyStoppingSpec.Asha, "val_loss", 9), (spec.Type, spec.Metric, spec.MaxEpochs!.Value));
        Assert.Equal([1, 3], spec.Rungs());
    }

    [Fact]
    public void The_hyperband_example_has_ashas_numbers_and_seed_0()
    {
        var spec = SweepSpecParser.Parse(File.ReadAllText(Path.Combine(ExamplesDirectory(), "hyperband-synthetic.yaml"))).Spec.EarlyStopping!;

        Assert.Equal((EarlyStoppingSpec.Hyperband, "val_loss", 1, 3, 9, 0), (spec.Type, spec.Metric, spec.Grace!.Value, spec.Eta!.Value, spec.MaxEpochs!.Value, spec.Seed!.Value));
        Assert.Equal([1, 3], spec.Rungs());
    }

    [Fact]
    public void The_tpe_example_is_accepted_with_no_jobs_up_front_and_searches_three_ranges_two_trials_at_a_time()
    {
        var parsed = SweepSpecParser.Parse(File.ReadAllText(Path.Combine(ExamplesDirectory(), "tpe-synthetic.yaml")));

        Assert.Empty(parsed.Jobs);
        Assert.Equal(("tpe", 16, 2), (parsed.Spec.Method, parsed.Spec.Count!.Value, parsed.Spec.Parallel!.Value));
        Assert.Equal(["dropout", "head_lr", "image_encoder_lr"],
            SearchSpace.FromSpec(parsed.Spec).Dimensions.OfType<NumberDimension>().Select(d => d.Name));
    }

    [Fact]
    public void The_study_spec_uses_the_study_s_table_one()
    {
        var job = SweepSpecParser.Parse(File.ReadAllText(Path.Combine(ExamplesDirectory(), "study-flickr30k.yaml"))).Jobs[0].Parameters;

        Assert.Equal(new JobParameters { Encoder = job.Encoder, Seed = job.Seed }, job);
    }

    [Fact]
    public void The_pretrained_spec_trains_both_built_in_onnx_towers_with_each_loss()
    {
        var jobs = SweepSpecParser.Parse(File.ReadAllText(Path.Combine(ExamplesDirectory(), "pretrained-flickr8k.yaml"))).Jobs;

        Assert.Equal(["infonce", "study"], jobs.Select(j => j.Parameters.Loss).Order(StringComparer.Ordinal));
        Assert.All(jobs, j => Assert.Equal(OnnxTowerCatalog.BuiltInTowers[OnnxTowerCatalog.ResNet18].Sha256, j.Parameters.OnnxImageTower!.Sha256));
        Assert.All(jobs, j => Assert.Equal(OnnxTowerCatalog.BuiltInTowers[OnnxTowerCatalog.MiniLm].Sha256, j.Parameters.OnnxTextTower!.Sha256));
    }

    [Fact]
    public void The_frozen_spec_trains_only_the_heads_with_infonce_for_at_most_ten_epochs_at_224_px()
    {
        var jobs = SweepSpecParser.Parse(File.ReadAllText(Path.Combine(ExamplesDirectory(), "pretrained-frozen-flickr8k.yaml"))).Jobs;

        Assert.Equal([0, 1, 2], jobs.Select(j => j.Parameters.Seed).Order());
        Assert.All(jobs, j =>
        {
            Assert.False(j.Parameters.Trainable);
            Assert.Equal("infonce", j.Parameters.Loss);
            Assert.InRange(j.Parameters.Epochs, 1, 10);
            Assert.Equal(224, j.Parameters.ImageSize);
            Assert.Equal(0.2, j.Dataset.ValFraction);
        });
    }

    private static string ExamplesDirectory() => Path.Combine(RepositoryRoot.Find(), "examples");
}
