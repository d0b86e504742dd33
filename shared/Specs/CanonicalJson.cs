using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Shared.Specs;

/// <summary>Serialises records into one canonical JSON form, so equal values give equal text and hashes.</summary>
public static class CanonicalJson
{
    // Absent and null mean the same in a spec; leaving nulls out keeps the canonical form a valid spec.
    // A field the record lacks is refused on reading, not dropped: dropping it would change what runs without
    // changing the job key computed from what was read.
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public static string Serialize<T>(T value)
    {
        var node = JsonSerializer.SerializeToNode(value, Options);
        return Sort(node)?.ToJsonString(Options) ?? "null";
    }

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"{typeof(T).Name} JSON was null");

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sort(p.Value?.DeepClone())))),
        JsonArray array => new JsonArray(array.Select(item => Sort(item?.DeepClone())).ToArray()),
        _ => node?.DeepClone(),
    };
}
