using System.Text.Json.Nodes;

namespace Orchestrator.Shared.Search;

/// <summary>A value for every dimension of a <see cref="SearchSpace"/>: a suggestion, or where a job ran.</summary>
public sealed class SearchPoint
{
    private readonly double[] values;

    internal SearchPoint(SearchSpace space, double[] values)
    {
        Space = space;
        this.values = values;
    }

    public SearchSpace Space { get; }

    /// <summary>A numeric dimension's value (whole numbers are whole).</summary>
    public double Number(string name) =>
        Space[name] is NumericDimension
            ? values[Space.IndexOf(name)]
            : throw new ArgumentException($"dimension {name} is a list of choices; read it with Choice", nameof(name));

    /// <summary>Any dimension's value as a job parameter holds it.</summary>
    public JsonNode ValueOf(string name) => ValueAt(Space.IndexOf(name));

    /// <summary>Every dimension's value by name, as job parameters hold them (the encoder under "encoder").</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        for (var i = 0; i < values.Length; i++)
        {
            json[Space.Dimensions[i].Name] = ValueAt(i);
        }

        return json;
    }

    public override string ToString() => ToJson().ToJsonString();

    /// <summary>The raw value of a dimension: the number, or the index of the choice.</summary>
    internal double this[int dimension] => values[dimension];

    private JsonNode ValueAt(int index) => Space.Dimensions[index] switch
    {
        ChoiceDimension choice => choice.Choices[(int)values[index]].DeepClone(),
        WholeNumberDimension => JsonValue.Create((int)values[index]),
        _ => JsonValue.Create(values[index]),
    };
}
