using System.Text.Json.Nodes;

namespace Orchestrator.Shared.Search;

/// <summary>
/// A parameter that takes one of listed values (an encoder, a loss, or numbers listed rather than ranged). The
/// values are unordered to the sampler: it learns how often each appears among the good and the bad results.
/// </summary>
public sealed class ChoiceDimension : SearchDimension
{
    public ChoiceDimension(string name, IReadOnlyList<JsonNode> choices)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Count == 0)
        {
            throw new ArgumentException($"dimension {name}: list at least one value to choose from", nameof(choices));
        }

        for (var i = 0; i < choices.Count; i++)
        {
            if (choices[i] is null || choices.Take(i).Any(earlier => JsonNode.DeepEquals(earlier, choices[i])))
            {
                throw new ArgumentException($"dimension {name}: value {i} ({choices[i]?.ToJsonString() ?? "null"}) is null or listed twice; list each value once", nameof(choices));
            }
        }

        Choices = [.. choices.Select(c => c.DeepClone())];
    }

    public IReadOnlyList<JsonNode> Choices { get; }

    /// <summary>The index of the listed value equal to this one (as JSON), or −1.</summary>
    public int IndexOf(JsonNode? value)
    {
        for (var i = 0; i < Choices.Count; i++)
        {
            if (JsonNode.DeepEquals(Choices[i], value))
            {
                return i;
            }
        }

        return -1;
    }

    internal override double DrawUniform(Random random) => random.Next(Choices.Count);
}
