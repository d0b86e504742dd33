using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Search;

/// <summary>
/// The named dimensions a model-based search moves in: the parameters a sweep spec ranges over or lists, and its
/// encoders. Points of the space are what the sampler suggests and what finished jobs are observed at.
/// </summary>
public sealed class SearchSpace
{
    /// <summary>The dimension of the spec's encoders; job parameters carry the encoder under the same name.</summary>
    public const string EncoderDimension = "encoder";

    private readonly Dictionary<string, int> indexByName;

    public SearchSpace(IReadOnlyList<SearchDimension> dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        if (dimensions.Count == 0)
        {
            throw new ArgumentException("a search space needs at least one dimension", nameof(dimensions));
        }

        indexByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < dimensions.Count; i++)
        {
            if (!indexByName.TryAdd(dimensions[i].Name, i))
            {
                throw new ArgumentException($"dimension {dimensions[i].Name} is named twice; name each parameter once", nameof(dimensions));
            }
        }

        Dimensions = [.. dimensions];
    }

    public IReadOnlyList<SearchDimension> Dimensions { get; }

    /// <summary>
    /// The space of a validated sweep spec: its encoders as one choice, each `{min, max, log}` range as a number or
    /// whole-number axis (by the parameter's kind in <see cref="ParameterCatalog"/>), each list as a choice. Training
    /// seeds are not a dimension: every suggested configuration runs once per seed.
    /// </summary>
    public static SearchSpace FromSpec(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var dimensions = new List<SearchDimension> { new ChoiceDimension(EncoderDimension, [.. spec.Encoders.Select(e => (JsonNode)JsonValue.Create(e))]) };
        foreach (var (name, domain) in spec.Parameters)
        {
            dimensions.Add(domain switch
            {
                JsonArray values => new ChoiceDimension(name, [.. values.Select(v => v!)]),
                _ when ParameterCatalog.Get(name).Kind == ParameterKind.WholeNumber =>
                    new WholeNumberDimension(name, (int)domain["min"]!.GetValue<double>(), (int)domain["max"]!.GetValue<double>(), domain["log"]!.GetValue<bool>()),
                _ => new NumberDimension(name, domain["min"]!.GetValue<double>(), domain["max"]!.GetValue<double>(), domain["log"]!.GetValue<bool>()),
            });
        }

        return new SearchSpace(dimensions);
    }

    public SearchDimension this[string name] => Dimensions[IndexOf(name)];

    internal int IndexOf(string name) => indexByName.TryGetValue(name, out var index)
        ? index
        : throw new ArgumentException($"the search space has no dimension {name}; it has: {string.Join(", ", indexByName.Keys)}", nameof(name));

    /// <summary>
    /// The point a job ran at, read from its parameters as JSON (a finished job's, to observe it). Keys the space
    /// does not know are ignored (jobs carry every parameter); a missing key, a number outside its bounds or a value
    /// not listed is refused with every such problem named.
    /// </summary>
    public SearchPoint PointOf(JsonObject parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var values = new double[Dimensions.Count];
        var problems = new List<string>();
        for (var i = 0; i < Dimensions.Count; i++)
        {
            var dimension = Dimensions[i];
            var value = parameters[dimension.Name];
            switch (dimension)
            {
                case ChoiceDimension choice when choice.IndexOf(value) is var index and >= 0:
                    values[i] = index;
                    break;
                case ChoiceDimension choice:
                    problems.Add($"{dimension.Name} is {Describe(value)}, not one of: {string.Join(", ", choice.Choices.Select(c => c.ToJsonString()))}");
                    break;
                case NumericDimension numeric when value is JsonValue number && number.GetValueKind() == JsonValueKind.Number && number.Deserialize<double>() is var x && numeric.Contains(x):
                    values[i] = x;
                    break;
                case NumericDimension numeric:
                    problems.Add($"{dimension.Name} is {Describe(value)}, not a {(numeric is WholeNumberDimension ? "whole number" : "number")} " +
                        $"between {numeric.Minimum} and {numeric.Maximum}");
                    break;
            }
        }

        return problems.Count == 0
            ? new SearchPoint(this, values)
            : throw new ArgumentException($"the parameters are not a point of this search space: {string.Join("; ", problems)}", nameof(parameters));
    }

    internal SearchPoint DrawUniform(Random random) => new(this, [.. Dimensions.Select(d => d.DrawUniform(random))]);

    private static string Describe(JsonNode? value) => value is null ? "missing" : value.ToJsonString();
}
