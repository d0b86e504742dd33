using System.Text.Json.Nodes;
using Orchestrator.Shared.Specs;
using Orchestrator.Testing;

namespace Orchestrator.Shared.Tests.Specs;

public sealed class SweepSpecParserTests
{
    private const string FourByThreeByTwo = """
        name: encoders-by-lr
        dataset:
          format: captions-csv
          images: /data/flickr8k/images
          captions: /data/flickr8k/captions.txt
        encoders: [resnet50, mobilenet_v2, efficientnet_b0, inception_v3]
        seeds: [0, 1]
        parameters:
          head_lr: [1e-3, 1e-4, 1e-5]
        """;

    [Fact]
    public void Grid_of_four_encoders_three_learning_rates_and_two_seeds_is_24_distinct_jobs()
    {
        var parsed = SweepSpecParser.Parse(FourByThreeByTwo);

        Assert.Equal(24, parsed.Jobs.Count);
        Assert.Equal(24, parsed.Jobs.Select(j => j.JobKey).Distinct().Count());
        Assert.Equal(6, parsed.Jobs.Count(j => j.Parameters.Encoder == "mobilenet_v2"));
        Assert.Equal(new[] { 1e-5, 1e-4, 1e-3 }, parsed.Jobs.Select(j => j.Parameters.HeadLr).Distinct().Order());
        Assert.All(parsed.Jobs, j => Assert.Equal("/data/flickr8k/captions.txt", j.Dataset.Captions));
    }

    [Fact]
    public void Parameters_left_out_take_the_study_defaults()
    {
        var job = SweepSpecParser.Parse(FourByThreeByTwo).Jobs[0].Parameters;

        Assert.Equal(16, job.BatchSize);
        Assert.Equal(1e-4, job.ImageEncoderLr);
        Assert.Equal(1e-5, job.TextEncoderLr);
        Assert.Equal(1e-3, job.WeightDecay);
        Assert.Equal(0.8, job.Factor);
        Assert.Equal(2, job.Epochs);
        Assert.Equal(200, job.MaxLength);
        Assert.Equal(224, job.ImageSize);
        Assert.Equal(256, job.ProjectionDim);
        Assert.Equal(0.1, job.Dropout);
        Assert.Equal("distilbert-base-uncased", job.TextEncoder);
        Assert.Equal(PretrainedWeights.WherePublished, job.Pretrained);
    }

    [Fact]
    public void Random_count_draws_that_many_distinct_jobs_and_the_same_ones_for_the_same_seed()
    {
        static string Spec(int seed) => $"""
            name: random-search
            dataset: {"{"}format: synthetic{"}"}
            encoders: [mobilenet_v3_small]
            method: random
            count: 10
            seed: {seed}
            parameters:
              head_lr: {"{"}min: 1e-5, max: 1e-2, log: true{"}"}
              batch_size: [8, 16, 32]
              dropout: [0.0, 0.1, 0.2]
            """;

        var first = SweepSpecParser.Parse(Spec(7)).Jobs.Select(j => j.JobKey).ToList();
        var again = SweepSpecParser.Parse(Spec(7)).Jobs.Select(j => j.JobKey).ToList();
        var other = SweepSpecParser.Parse(Spec(8)).Jobs.Select(j => j.JobKey).ToList();

        Assert.Equal(10, first.Count);
        Assert.Equal(10, first.Distinct().Count());
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.All(SweepSpecParser.Parse(Spec(7)).Jobs, j => Assert.InRange(j.Parameters.HeadLr, 1e-5, 1e-2));
    }

    [Fact]
    public void Random_search_runs_the_same_draws_for_every_encoder()
    {
        const string spec = """
            name: fair
            dataset: {format: synthetic}
            encoders: [resnet18, googlenet]
            method: random
            count: 4
            parameters:
              head_lr: {min: 1e-4, max: 1e-2}
            """;

        var jobs = SweepSpecParser.Parse(spec).Jobs;

        Assert.Equal(8, jobs.Count);
        Assert.Equal(
            jobs.Where(j => j.Parameters.Encoder == "resnet18").Select(j => j.Parameters.HeadLr),
            jobs.Where(j => j.Parameters.Encoder == "googlenet").Select(j => j.Parameters.HeadLr));
    }

    [Fact]
    public void Job_key_ignores_number_notation_and_key_order()
    {
        const string a = "name: a\ndataset: {format: synthetic}\nencoders: [resnet18]\nparameters:\n  head_lr: 1e-3\n  batch_size: 32\n";
        const string b = "name: b\ndataset: {format: synthetic}\nencoders: [resnet18]\nparameters:\n  batch_size: 32\n  head_lr: 0.001\n";

        var keyA = SweepSpecParser.ParseSingleJob(a);
        var keyB = SweepSpecParser.ParseSingleJob(b);

        Assert.Equal(keyA.JobKey, keyB.JobKey);
        Assert.Equal(64, keyA.JobKey.Length);
        Assert.Contains("\"batch_size\":32", keyA.CanonicalParameters, StringComparison.Ordinal);
        Assert.Contains("\"head_lr\":0.001", keyA.CanonicalParameters, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_spec_gives_the_same_jobs_as_yaml_and_the_canonical_form_parses_back()
    {
        const string json = """
            {"name": "encoders-by-lr", "seeds": [0, 1],
             "dataset": {"format": "captions-csv", "images": "/data/flickr8k/images", "captions": "/data/flickr8k/captions.txt"},
             "encoders": ["resnet50", "mobilenet_v2", "efficientnet_b0", "inception_v3"],
             "parameters": {"head_lr": [0.001, 0.0001, 0.00001]}}
            """;

        var fromYaml = SweepSpecParser.Parse(FourByThreeByTwo);
        var fromJson = SweepSpecParser.Parse(json);
        var roundTrip = SweepSpecParser.Parse(fromYaml.Spec.ToCanonicalJson());

        Assert.Equal(fromYaml.Jobs.Select(j => j.JobKey), fromJson.Jobs.Select(j => j.JobKey));
        Assert.Equal(fromYaml.Jobs.Select(j => j.JobKey), roundTrip.Jobs.Select(j => j.JobKey));
        Assert.Equal(fromYaml.Spec.ToCanonicalJson(), roundTrip.Spec.ToCanonicalJson());
        Assert.Equal([1e-3, 1e-4, 1e-5], JsonNode.Parse(fromYaml.Spec.ToCanonicalJson())!["parameters"]!["head_lr"]!.AsArray().Select(v => v!.GetValue<double>()));
    }

    [Theory]
    [MemberData(nameof(BadSpecs.All), MemberType = typeof(BadSpecs))]
    public void Invalid_spec_is_refused_with_the_path_of_the_problem(string why, string yaml, string path, string message)
    {
        var error = Assert.Throws<SpecValidationException>(() => SweepSpecParser.Parse(yaml));

        Assert.True(
            error.Problems.Any(p => p.Path.StartsWith(path, StringComparison.Ordinal) && p.Message.Contains(message, StringComparison.Ordinal)),
            $"{why}: expected a problem at '{path}' containing '{message}', got:{Environment.NewLine}{error.Message}");
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        const string yaml = """
            name: many problems
            dataset: {format: synthetic}
            encoders: [resnet18, vgg16]
            colour: blue
            parameters:
              head_lr: [-1]
              batch_size: []
            """;

        var error = Assert.Throws<SpecValidationException>(() => SweepSpecParser.Parse(yaml));

        Assert.Equal(
            new[] { "colour", "encoders[1]", "name", "parameters.batch_size", "parameters.head_lr[0]" },
            error.Problems.Select(p => p.Path).Order(StringComparer.Ordinal));
        Assert.Contains("5 problems", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_file_must_expand_to_exactly_one_job()
    {
        var error = Assert.Throws<SpecValidationException>(() => SweepSpecParser.ParseSingleJob(FourByThreeByTwo));

        Assert.Contains("exactly one job", error.Message, StringComparison.Ordinal);
        Assert.Contains("24", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Grid_cap_is_configurable()
    {
        var error = Assert.Throws<SpecValidationException>(() => SweepSpecParser.Parse(FourByThreeByTwo, new SweepLimits(MaxJobs: 20)));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("parameters", problem.Path);
        Assert.Contains("24 jobs", problem.Message, StringComparison.Ordinal);
    }
}
