using System.Globalization;
using System.Text.Json;
using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// How the job and compare pages show stored JSON (parameters, epoch metrics, results): metrics in the catalogue's
/// order with its headings and number formats, anything else after them by name and as the JSON says it.
/// </summary>
public static class JsonCells
{
    /// <summary>The keys of these JSON objects: catalogue metrics first, in its order, then the rest by name.</summary>
    public static IReadOnlyList<string> MetricKeys(IEnumerable<JsonElement?> objects)
    {
        var keys = Keys(objects).ToHashSet(StringComparer.Ordinal);
        return [.. MetricCatalog.All.Select(m => m.Key).Where(keys.Contains), .. keys.Where(k => MetricCatalog.Find(k) is null).Order(StringComparer.Ordinal)];
    }

    /// <summary>The keys of these JSON objects by name (jsonb keeps no order of its own: it sorts keys by length).</summary>
    public static IReadOnlyList<string> Keys(IEnumerable<JsonElement?> objects) =>
        [.. objects.Where(o => o is { ValueKind: JsonValueKind.Object }).SelectMany(o => o!.Value.EnumerateObject().Select(p => p.Name))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>A JSON column's text as an element that outlives its document.</summary>
    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static string Heading(string key) => MetricCatalog.Find(key)?.Heading ?? key;

    /// <summary>The value of <paramref name="key"/> in an object, "–" when it has none; a catalogue metric in its format, text as text.</summary>
    public static string Value(JsonElement? json, string key)
    {
        if (json is not { ValueKind: JsonValueKind.Object } obj || !obj.TryGetProperty(key, out var value))
        {
            return Format.None;
        }

        // Other numbers (learning rates: 1e-05) as stored: a fixed number of decimals would show some as 0.
        if (value.ValueKind == JsonValueKind.Number && MetricCatalog.Find(key) is { } metric && value.TryGetDouble(out var number))
        {
            return number.ToString(metric.Format, CultureInfo.InvariantCulture);
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : value.GetRawText();
    }
}
