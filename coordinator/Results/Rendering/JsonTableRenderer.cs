using System.Text.Json;

namespace Orchestrator.Coordinator.Results.Rendering;

/// <summary>The whole table as JSON (every metric, not only the layout's columns), for scripts and notebooks.</summary>
public sealed class JsonTableRenderer : ITableRenderer
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public string Format => "json";

    public string Extension => "json";

    public string Render(ResultTable table, TableLayout layout) => JsonSerializer.Serialize(table, Options);

    public static ResultTable Parse(string json) =>
        JsonSerializer.Deserialize<ResultTable>(json, Options) ?? throw new JsonException("the JSON holds no result table");
}
