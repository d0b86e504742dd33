using Orchestrator.Shared.Search;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Specs;

/// <summary>`method: tpe` with count and parallel: checked like every other key, every problem listed at its path.</summary>
public sealed class TpeSpecTests
{
    private const string Head = "name: s\ndataset: {format: synthetic}\n";

    private const string Good = Head + """
        encoders: [tiny_cnn, resnet18]
        method: tpe
        count: 40
        parallel: 4
        seed: 7
        seeds: [0, 1]
        parameters:
          head_lr: {min: 1e-5, max: 1e-1, log: true}
          batch_size: {min: 8, max: 64}
          loss: [study, infonce]
        """;

    [Fact]
    public void A_tpe_spec_keeps_its_count_parallel_and_space_and_its_canonical_form_parses_back()
    {
        var spec = SweepSpecParser.ParseModelBased(Good);

        Assert.Equal(("tpe", 40, 4, 7), (spec.Method, spec.Count, spec.Parallel, spec.Seed));
        Assert.Equal(spec.ToCanonicalJson(), SweepSpecParser.ParseModelBased(spec.ToCanonicalJson()).ToCanonicalJson());
        Assert.Contains("\"parallel\":4", spec.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.Equal(["encoder", "batch_size", "head_lr", "loss"], SearchSpace.FromSpec(spec).Dimensions.Select(d => d.Name));
    }

    [Fact]
    public void Parse_accepts_a_tpe_spec_with_no_jobs_up_front_because_the_coordinator_creates_its_trials()
    {
        var parsed = SweepSpecParser.Parse(Good);

        Assert.Empty(parsed.Jobs);
        Assert.Equal(SweepSpecParser.ParseModelBased(Good).ToCanonicalJson(), parsed.Spec.ToCanonicalJson());
    }

    [Fact]
    public void A_tpe_spec_is_not_a_job_file()
    {
        var refused = Assert.Throws<SpecValidationException>(() => SweepSpecParser.ParseSingleJob(Good));

        var problem = Assert.Single(refused.Problems);
        Assert.Equal("method", problem.Path);
        Assert.Contains("submit it with `orch submit`", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Grid_and_random_specs_are_not_model_based_and_say_nothing_of_parallel()
    {
        var random = Head + "encoders: [tiny_cnn]\nmethod: random\ncount: 2\nparameters:\n  head_lr: {min: 1e-5, max: 1e-1, log: true}\n";

        Assert.DoesNotContain("parallel", SweepSpecParser.Parse(random).Spec.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.Contains(Assert.Throws<SpecValidationException>(() => SweepSpecParser.ParseModelBased(random)).Problems,
            p => p.Path == "method" && p.Message.Contains("needs method tpe", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("method: bayes\ncount: 5\nparameters:\n  head_lr: [1e-3, 1e-4]\n", "method", "use one of: grid, random, tpe")]
    [InlineData("method: tpe\nparallel: 2\nparameters:\n  head_lr: {min: 1e-5, max: 1e-1}\n", "count", "method tpe needs count")]
    [InlineData("method: tpe\ncount: 0\nparallel: 1\nparameters:\n  head_lr: {min: 1e-5, max: 1e-1}\n", "count", "must be between 1 and 1000000")]
    [InlineData("method: tpe\ncount: 5\nparameters:\n  head_lr: {min: 1e-5, max: 1e-1}\n", "parallel", "method tpe needs parallel")]
    [InlineData("method: tpe\ncount: 5\nparallel: 0\nparameters:\n  head_lr: {min: 1e-5, max: 1e-1}\n", "parallel", "must be between 1 and 10000")]
    [InlineData("method: tpe\ncount: 3\nparallel: 5\nparameters:\n  head_lr: {min: 1e-5, max: 1e-1}\n", "parallel", "lower parallel to at most 3")]
    [InlineData("method: random\ncount: 3\nparallel: 2\nparameters:\n  head_lr: {min: 1e-5, max: 1e-1}\n", "parallel", "applies to method tpe only")]
    [InlineData("method: tpe\ncount: 3\nparallel: 1\nparameters:\n  head_lr: 1e-3\n  loss: [study]\n", "parameters", "nothing to search")]
    [InlineData("method: tpe\ncount: 9\nparallel: 1\nparameters:\n  loss: [study, infonce]\n  batch_size: {min: 8, max: 9}\n", "count", "allow only 4 distinct combinations")]
    [InlineData("method: tpe\ncount: 600000\nparallel: 1\nseeds: [0, 1]\nparameters:\n  head_lr: {min: 1e-5, max: 1e-1}\n", "count", "1,200,000 jobs, more than the limit")]
    public void A_bad_tpe_block_is_refused_at_its_path_with_what_to_do(string block, string path, string message)
    {
        var refused = Assert.Throws<SpecValidationException>(() => SweepSpecParser.ParseModelBased(Head + "encoders: [tiny_cnn]\n" + block));

        Assert.Contains(refused.Problems, p => p.Path == path && p.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_of_a_tpe_spec_is_listed_at_once()
    {
        var spec = Head + "encoders: [tiny_cnn, nope]\nmethod: tpe\ncount: 2\nparallel: 3\nparameters:\n  head_lr: {min: 1e-1, max: 1e-5}\n";

        var refused = Assert.Throws<SpecValidationException>(() => SweepSpecParser.ParseModelBased(spec));

        Assert.Equal(["encoders[1]", "parallel", "parameters.head_lr"], refused.Problems.Select(p => p.Path).Order(StringComparer.Ordinal));
    }
}
