using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Specs;

/// <summary>The catalogue's bounds: defaults inside them, values past them refused with the bound in the message.</summary>
public sealed class ParameterBoundsTests
{
    private const string Head = "name: s\ndataset: {format: synthetic}\nencoders: [resnet50]\n";

    public static TheoryData<string> BoundedParameters => new(ParameterCatalog.Names.Where(n => ParameterCatalog.Get(n).Bounds is not null).Order(StringComparer.Ordinal));

    [Fact]
    public void Every_whole_number_parameter_has_bounds()
    {
        Assert.All(ParameterCatalog.Names.Select(ParameterCatalog.Get).Where(r => r.Kind == ParameterKind.WholeNumber), r => Assert.NotNull(r.Bounds));
    }

    [Fact]
    public void Every_default_lies_within_its_bounds()
    {
        var defaults = JsonSerializer.SerializeToNode(new JobParameters())!.AsObject();

        foreach (var rule in ParameterCatalog.Names.Select(ParameterCatalog.Get).Where(r => r.Bounds is not null))
        {
            Assert.True(rule.Bounds!.Contains(defaults[rule.Name]!.GetValue<double>()), $"{rule.Name}'s default is outside {rule.Bounds.Requirement}");
        }
    }

    [Theory]
    [MemberData(nameof(BoundedParameters))]
    public void A_value_past_the_upper_bound_is_refused_and_the_bound_itself_accepted(string name)
    {
        var rule = ParameterCatalog.Get(name);
        var bounds = rule.Bounds!;
        var past = rule.Kind == ParameterKind.WholeNumber ? bounds.Maximum + 1 : bounds.Maximum * 1.5;
        var largest = bounds.ExcludesMaximum ? bounds.Maximum * 0.99 : bounds.Maximum;

        var error = Assert.Throws<SpecValidationException>(() => SweepSpecParser.Parse(Spec(name, past)));
        var problem = Assert.Single(error.Problems);
        Assert.Equal($"parameters.{name}", problem.Path);
        Assert.Contains(bounds.Requirement, problem.Message, StringComparison.Ordinal);

        var job = Assert.Single(SweepSpecParser.Parse(Spec(name, largest)).Jobs);
        Assert.Equal(largest, JsonNode.Parse(job.CanonicalParameters)![name]!.GetValue<double>());
    }

    [Theory]
    [InlineData("epochs", 10_000, "must be between 1 and 10000")]
    [InlineData("batch_size", 65_536, "must be between 1 and 65536")]
    [InlineData("image_size", 1_024, "must be between 16 and 1024")]
    [InlineData("max_length", 4_096, "must be between 2 and 4096")]
    [InlineData("head_lr", 10, "must be positive (greater than 0) and at most 10")]
    [InlineData("dropout", 1, "must be in [0, 1)")]
    [InlineData("factor", 1, "must be between 0 and 1 (exclusive): the learning rate is multiplied by it")]
    public void The_bound_is_named_in_the_catalogue_and_shown_as_written(string name, double maximum, string requirement)
    {
        var bounds = ParameterCatalog.Get(name).Bounds!;

        Assert.Equal(maximum, bounds.Maximum);
        Assert.Equal(requirement, bounds.Requirement);
    }

    private static string Spec(string name, double value) =>
        Head + $"parameters:\n  {name}: {value.ToString("R", CultureInfo.InvariantCulture)}\n";
}
