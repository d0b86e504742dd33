using System.Text.Json.Nodes;
using Orchestrator.Shared.Search;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Search;

/// <summary>The space a sweep spec defines, and reading finished jobs back as its points.</summary>
public sealed class SearchSpaceTests
{
    private const string Spec = """
        name: s
        dataset: {format: synthetic}
        encoders: [tiny_cnn, resnet18]
        method: random
        count: 6
        parameters:
          head_lr: {min: 1e-5, max: 1e-1, log: true}
          batch_size: {min: 8, max: 512, log: true}
          dropout: {min: 0, max: 0.5}
          loss: [study, infonce]
          epochs: 2
        """;

    [Fact]
    public void A_spec_becomes_its_encoders_ranges_and_lists()
    {
        var space = SearchSpace.FromSpec(SweepSpecParser.Parse(Spec).Spec);

        Assert.Equal(["encoder", "batch_size", "dropout", "epochs", "head_lr", "loss"], space.Dimensions.Select(d => d.Name));
        Assert.Equal(["\"tiny_cnn\"", "\"resnet18\""], Assert.IsType<ChoiceDimension>(space["encoder"]).Choices.Select(c => c.ToJsonString()));
        var batch = Assert.IsType<WholeNumberDimension>(space["batch_size"]);
        Assert.Equal((8.0, 512.0, true), (batch.Minimum, batch.Maximum, batch.Log));
        var lr = Assert.IsType<NumberDimension>(space["head_lr"]);
        Assert.Equal((1e-5, 1e-1, true), (lr.Minimum, lr.Maximum, lr.Log));
        var dropout = Assert.IsType<NumberDimension>(space["dropout"]);
        Assert.Equal((0.0, 0.5, false), (dropout.Minimum, dropout.Maximum, dropout.Log));
        Assert.Equal(["2"], Assert.IsType<ChoiceDimension>(space["epochs"]).Choices.Select(c => c.ToJsonString()));
        Assert.Equal(2, Assert.IsType<ChoiceDimension>(space["loss"]).Choices.Count);
    }

    [Fact]
    public void Every_job_of_the_spec_is_a_point_of_its_space_with_the_jobs_values()
    {
        var parsed = SweepSpecParser.Parse(Spec);
        var space = SearchSpace.FromSpec(parsed.Spec);

        foreach (var job in parsed.Jobs)
        {
            var parameters = JsonNode.Parse(job.CanonicalParameters)!.AsObject();
            var point = space.PointOf(parameters);

            Assert.Equal(job.Parameters.HeadLr, point.Number("head_lr"));
            Assert.Equal(job.Parameters.BatchSize, point.Number("batch_size"));
            Assert.Equal(job.Parameters.Encoder, point.ValueOf("encoder").GetValue<string>());
            Assert.All(point.ToJson(), p => Assert.True(JsonNode.DeepEquals(parameters[p.Key], p.Value), $"{p.Key}: {p.Value} differs from the job's {parameters[p.Key]}"));
        }
    }

    [Fact]
    public void A_point_outside_the_space_is_refused_naming_every_problem()
    {
        var space = SearchSpace.FromSpec(SweepSpecParser.Parse(Spec).Spec);
        var parameters = new JsonObject
        {
            ["encoder"] = "resnet50",
            ["batch_size"] = 8.5,
            ["dropout"] = 0.7,
            ["epochs"] = 2,
            ["loss"] = "study",
        };

        var refused = Assert.Throws<ArgumentException>(() => space.PointOf(parameters));

        Assert.Contains("encoder is \"resnet50\", not one of: \"tiny_cnn\", \"resnet18\"", refused.Message, StringComparison.Ordinal);
        Assert.Contains("batch_size is 8.5, not a whole number between 8 and 512", refused.Message, StringComparison.Ordinal);
        Assert.Contains("dropout is 0.7, not a number between 0 and 0.5", refused.Message, StringComparison.Ordinal);
        Assert.Contains("head_lr is missing", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("epochs", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_dimensions_are_refused_with_what_to_fix()
    {
        Assert.Contains("must be a finite number below max", Assert.Throws<ArgumentException>(() => new NumberDimension("lr", 1, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("a log axis needs a positive min", Assert.Throws<ArgumentException>(() => new WholeNumberDimension("n", 0, 8, log: true)).Message, StringComparison.Ordinal);
        Assert.Contains("list at least one value", Assert.Throws<ArgumentException>(() => new ChoiceDimension("loss", [])).Message, StringComparison.Ordinal);
        Assert.Contains("listed twice", Assert.Throws<ArgumentException>(() => new ChoiceDimension("loss", [JsonValue.Create("a"), JsonValue.Create("a")])).Message, StringComparison.Ordinal);
        Assert.Contains("named twice", Assert.Throws<ArgumentException>(() => new SearchSpace([new NumberDimension("x", 0, 1), new NumberDimension("x", 0, 2)])).Message, StringComparison.Ordinal);
        Assert.Contains("at least one dimension", Assert.Throws<ArgumentException>(() => new SearchSpace([])).Message, StringComparison.Ordinal);
    }
}
