using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Specs;

/// <summary>
/// The spec findings of issue #15 ("the front door"): each was a crash, an exception that reached the client as
/// Unknown, or a mistake silently accepted.
/// </summary>
public sealed class FrontDoorSpecTests
{
    private const string Head = "name: s\ndataset: {format: synthetic}\nencoders: [resnet18]\n";

    [Fact]
    public void A_100000_deep_flow_yaml_is_refused_at_the_depth_limit_not_by_a_stack_overflow()
    {
        var yaml = new string('[', 100_000) + new string(']', 100_000);

        var problem = Refused(yaml);

        Assert.Equal("(spec)", problem.Path);
        Assert.Contains("nested deeper than 32", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_100000_deep_block_yaml_is_refused_at_the_depth_limit_not_by_a_stack_overflow()
    {
        // "- - - x" nests block sequences on one line, so the depth costs two characters per level.
        var yaml = Head + "parameters:\n  batch_size:\n    " + string.Concat(Enumerable.Repeat("- ", 100_000)) + "1\n";

        var problem = Refused(yaml);

        Assert.Equal("(spec)", problem.Path);
        Assert.Contains("nested deeper than 32", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_search_over_an_integer_range_draws_whole_numbers_within_it()
    {
        const string yaml = Head + "method: random\ncount: 20\nparameters:\n  batch_size: {min: 8, max: 64}\n  head_lr: {min: 1e-4, max: 1e-2, log: true}\n";

        var jobs = SweepSpecParser.Parse(yaml).Jobs;

        Assert.Equal(20, jobs.Count);
        Assert.All(jobs, j => Assert.InRange(j.Parameters.BatchSize, 8, 64));
        Assert.All(jobs, j => Assert.Contains($"\"batch_size\":{j.Parameters.BatchSize},", j.CanonicalParameters, StringComparison.Ordinal));
        Assert.True(jobs.Select(j => j.Parameters.BatchSize).Distinct().Count() > 5, "the draws should spread over the range");
    }

    [Fact]
    public void A_second_yaml_document_is_refused_not_ignored()
    {
        var problem = Refused(Head + "---\nname: other\n");

        Assert.Equal("(spec)", problem.Path);
        Assert.Contains("exactly one YAML document", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_billion_epochs_are_refused_with_the_bound()
    {
        var problem = Refused(Head + "parameters:\n  epochs: 1000000000\n");

        Assert.Equal("parameters.epochs", problem.Path);
        Assert.Contains("must be between 1 and 10000", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schedule_is_refused_as_not_supported()
    {
        var problem = Refused(Head + "schedule: \"0 3 * * *\"\n");

        Assert.Equal("schedule", problem.Path);
        Assert.Contains("not supported", problem.Message, StringComparison.Ordinal);
        Assert.Contains("orch submit", problem.Message, StringComparison.Ordinal);
    }

    private static SpecProblem Refused(string yaml) =>
        Assert.Single(Assert.Throws<SpecValidationException>(() => SweepSpecParser.Parse(yaml)).Problems);
}
