using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Specs;

/// <summary>`pretrained`: true/false for both towers, or per tower true/false/PATH.</summary>
public sealed class PretrainedSpecTests
{
    private static JobDefinition Job(string pretrained, string encoder = "resnet18", string textEncoder = "distilbert-base-uncased") =>
        SweepSpecParser.ParseSingleJob($"name: p\ndataset: {{format: synthetic}}\nencoders: [{encoder}]\nparameters:\n  text_encoder: {textEncoder}\n  pretrained: {pretrained}\n");

    [Fact]
    public void Job_keys_of_flag_specs_are_those_of_the_plain_flag()
    {
        // Keys computed before `pretrained` took per-tower values: stored sweeps keep matching their jobs.
        var scratch = SweepSpecParser.ParseSingleJob(
            "name: a\ndataset: {format: synthetic}\nencoders: [tiny_cnn]\nparameters:\n  text_encoder: small-transformer\n  pretrained: false\n  image_size: 32\n");
        var defaults = SweepSpecParser.ParseSingleJob("name: a\ndataset: {format: synthetic}\nencoders: [resnet50]\n");

        Assert.Equal("5d55d334f2aefc932bdea3727e93c0d42b22eaedb0bfdf0c63a0291df4eb759f", scratch.JobKey);
        Assert.Equal("cca9d95cf62b1329e789697c0b4548159a151df25824def2d2a21bd03d92cec3", defaults.JobKey);
        Assert.Contains("\"pretrained\":false", scratch.CanonicalParameters, StringComparison.Ordinal);
        Assert.Contains("\"pretrained\":true", defaults.CanonicalParameters, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_mean_both_towers()
    {
        Assert.Equal(PretrainedWeights.WherePublished, Job("true").Parameters.Pretrained);
        Assert.Equal(new PretrainedWeights(TowerWeights.Scratch, TowerWeights.Scratch), Job("false").Parameters.Pretrained);
    }

    [Fact]
    public void A_mapping_sets_each_tower_and_a_tower_left_out_keeps_the_default()
    {
        var job = Job("{image: /weights/r18.pth}");
        Assert.Equal(new PretrainedWeights(TowerWeights.FromFile("/weights/r18.pth"), TowerWeights.PublishedIfAny), job.Parameters.Pretrained);
        Assert.Contains("\"pretrained\":{\"image\":\"/weights/r18.pth\"}", job.CanonicalParameters, StringComparison.Ordinal);

        var both = Job("{image: false, text: hf/distilbert}").Parameters.Pretrained;
        Assert.Equal(TowerWeightsKind.Scratch, both.Image.Kind);
        Assert.Equal("hf/distilbert", both.Text.Path);
        Assert.Equal(TowerWeightsKind.Published, Job("{text: true}").Parameters.Pretrained.Text.Kind);
    }

    [Fact]
    public void Both_towers_false_is_the_same_job_as_false()
    {
        Assert.Equal(Job("false").JobKey, Job("{image: false, text: false}").JobKey);
        Assert.NotEqual(Job("true").JobKey, Job("{image: /w/a.pth}").JobKey);
    }

    [Fact]
    public void A_grid_over_pretrained_mixes_flags_and_mappings_and_refuses_the_same_value_twice()
    {
        const string spec = """
            name: grid
            dataset: {format: synthetic}
            encoders: [resnet18]
            parameters:
              pretrained: [true, false, {image: /w/r18.pth, text: false}]
            """;
        Assert.Equal(3, SweepSpecParser.Parse(spec).Jobs.Select(j => j.JobKey).Distinct().Count());

        var error = Assert.Throws<SpecValidationException>(() => SweepSpecParser.Parse(spec.Replace("true, false", "false, {image: false, text: false}", StringComparison.Ordinal)));
        Assert.Contains(error.Problems, p => p.Path == "parameters.pretrained[1]" && p.Message.Contains("duplicate", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{}", "parameters.pretrained", "names no tower")]
    [InlineData("{image: [a, b]}", "parameters.pretrained.image", "expected true, false or a path")]
    [InlineData("{text: false, txt: true}", "parameters.pretrained.txt", "did you mean 'text'")]
    [InlineData("maybe", "parameters.pretrained", "{image: true|false|PATH")]
    public void Malformed_values_are_refused_at_their_path(string pretrained, string path, string message)
    {
        var error = Assert.Throws<SpecValidationException>(() => Job(pretrained));
        Assert.Contains(error.Problems, p => p.Path == path && p.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Towers_without_weights_start_from_scratch_under_true_but_refuse_explicit_weights()
    {
        var defaults = Job("true", "tiny_cnn", "small-transformer");
        Assert.Equal(PretrainedWeights.WherePublished, defaults.Parameters.Pretrained);

        var error = Assert.Throws<SpecValidationException>(() => Job("{image: /w/t.pth, text: true}", "tiny_cnn", "small-transformer"));
        Assert.Equal(new[] { "parameters.pretrained.image", "parameters.pretrained.text" }, error.Problems.Select(p => p.Path));
        Assert.Contains("small-transformer has no pretrained weights", error.Problems[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_with_per_tower_weights_round_trips_through_its_job_file()
    {
        var job = Job("{image: /w/r18.pth, text: false}");

        var fromCanonical = SingleJobSpec.FromCanonical(job.CanonicalParameters, CanonicalJson.Serialize(job.Dataset));
        var reparsed = SweepSpecParser.ParseSingleJob(SingleJobSpec.ToJson(fromCanonical, "job-1"));

        Assert.Equal(job.Parameters, fromCanonical.Parameters);
        Assert.Equal(job.JobKey, reparsed.JobKey);
    }
}
