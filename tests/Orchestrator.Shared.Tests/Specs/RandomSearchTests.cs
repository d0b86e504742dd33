using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Specs;

/// <summary>Method random over every kind of parameter and domain: whole numbers stay whole, and nothing throws.</summary>
public sealed class RandomSearchTests
{
    private const string Head = "name: s\ndataset: {format: synthetic}\nencoders: [resnet50]\n";

    private static readonly string[] Shapes =
    [
        "1", "0.5", "-1", "1e9", "true", "study", "\"3\"", "/w.pth",
        "[1, 2]", "[0.1, 0.2]", "[true, false]", "[study, infonce]", "[]", "[[1]]",
        "{min: 1, max: 2}", "{min: 0.1, max: 0.9}", "{min: 1, max: 100, log: true}", "{min: 1e-5, max: 1e-2, log: true}",
        "{min: 2, max: 1}", "{min: 0, max: 8, log: true}", "{min: 1}", "{image: true}", "{image: false, text: /t}", "{}",
    ];

    public static TheoryData<string, string> EveryParameterAndMethod()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in ParameterCatalog.Names.Order(StringComparer.Ordinal))
        {
            data.Add(name, "grid");
            data.Add(name, "random");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryParameterAndMethod))]
    public void Every_shape_of_value_either_parses_or_is_refused_with_problems(string name, string method)
    {
        foreach (var shape in Shapes)
        {
            var yaml = Head + (method == "random" ? "method: random\ncount: 1\n" : string.Empty) + $"parameters:\n  {name}: {shape}\n";

            var thrown = Record.Exception(() => SweepSpecParser.Parse(yaml));

            if (thrown is null)
            {
                Assert.NotEmpty(SweepSpecParser.Parse(yaml).Jobs);
            }
            else
            {
                var refused = Assert.IsType<SpecValidationException>(thrown);
                Assert.NotEmpty(refused.Problems);
                Assert.All(refused.Problems, p => Assert.StartsWith(p.Path.StartsWith('(') ? "(" : "parameters." + name, p.Path, StringComparison.Ordinal));
            }
        }
    }

    [Theory]
    [InlineData("batch_size", 8, 64, false)]
    [InlineData("batch_size", 8, 512, true)]
    [InlineData("epochs", 1, 10_000, false)]
    [InlineData("num_workers", 0, 1, false)]
    public void An_integer_range_draws_whole_numbers_within_it(string name, int min, int max, bool log)
    {
        var yaml = Head + $"method: random\ncount: 2\nparameters:\n  {name}: {{min: {min}, max: {max}, log: {(log ? "true" : "false")}}}\n";

        var jobs = SweepSpecParser.Parse(yaml).Jobs;

        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, j => Assert.Matches($"\"{name}\":\\d+[,}}]", j.CanonicalParameters));
        Assert.All(jobs, j => Assert.InRange(System.Text.Json.Nodes.JsonNode.Parse(j.CanonicalParameters)![name]!.GetValue<int>(), min, max));
    }

    [Fact]
    public void A_small_integer_range_yields_each_of_its_values_once()
    {
        var jobs = SweepSpecParser.Parse(Head + "method: random\ncount: 3\nparameters:\n  epochs: {min: 1, max: 3}\n").Jobs;

        Assert.Equal(new[] { 1, 2, 3 }, jobs.Select(j => j.Parameters.Epochs).Order());
    }
}
