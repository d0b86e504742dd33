using System.Text.Json;

namespace Orchestrator.Worker.Engine.Data.Readers;

/// <summary>JSON annotation files with errors that say which file and which field is wrong.</summary>
public static class AnnotationJson
{
    public static JsonDocument Parse(string? path)
    {
        using var reader = CaptionFile.Open(path, "dataset.annotations");
        try
        {
            return JsonDocument.Parse(reader.ReadToEnd());
        }
        catch (JsonException e)
        {
            throw new DatasetFormatException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    public static JsonElement Required(JsonElement element, string name, string? path, string where = "top level") =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value
            : throw new DatasetFormatException($"{path}: {where} has no '{name}' field");
}
