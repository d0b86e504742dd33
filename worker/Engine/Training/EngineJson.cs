using System.Text.Json;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>The JSON form of everything the engine writes: snake_case names, like the spec.</summary>
public static class EngineJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static JsonSerializerOptions Indented { get; } = new(Options) { WriteIndented = true };
}
