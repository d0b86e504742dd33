using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// A validated, normalised sweep spec. Its JSON names are the spec's own keys, so
/// <see cref="ToCanonicalJson"/> is itself a valid spec that parses back to an equal one.
/// </summary>
public sealed record SweepSpec
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>
    /// Who the sweep is for or by, as the spec says (a person or team): shown on the dashboard and in `orch status`. A
    /// label, not an identity: tokens belong to roles, not people. Absent in older specs, and then not written (their
    /// canonical JSON and hash are unchanged).
    /// </summary>
    [JsonPropertyName("owner")]
    public string? Owner { get; init; }

    [JsonPropertyName("dataset")]
    public required DatasetSpec Dataset { get; init; }

    [JsonPropertyName("encoders")]
    public required IReadOnlyList<string> Encoders { get; init; }

    /// <summary>
    /// `grid` (the full product), `random` (<see cref="Count"/> draws seeded by <see cref="Seed"/>) or `tpe` (Count
    /// trials suggested one after another from the results so far; see <see cref="TpeSpecRules"/>).
    /// </summary>
    [JsonPropertyName("method")]
    public string Method { get; init; } = "grid";

    [JsonPropertyName("count")]
    public int? Count { get; init; }

    /// <summary>Method tpe: how many trials run (or wait queued) at once; null for the other methods.</summary>
    [JsonPropertyName("parallel")]
    public int? Parallel { get; init; }

    /// <summary>Seed of the random draw (method random).</summary>
    [JsonPropertyName("seed")]
    public int Seed { get; init; }

    /// <summary>Training seeds: every combination runs once per seed.</summary>
    [JsonPropertyName("seeds")]
    public IReadOnlyList<int> Seeds { get; init; } = [0];

    [JsonPropertyName("max_attempts")]
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Higher runs first.</summary>
    [JsonPropertyName("priority")]
    public int Priority { get; init; }

    /// <summary>The spec's own ONNX towers by name (built-in ones need no entry); null when it defines none.</summary>
    [JsonPropertyName("onnx_towers")]
    public IReadOnlyDictionary<string, OnnxTowerDefinition>? OnnxTowers { get; init; }

    /// <summary>
    /// The space, by parameter name: a JSON array of values (any method), or for methods random and tpe an object
    /// `{min, max, log}` to draw from. Parameters not named keep the study's defaults.
    /// </summary>
    [JsonPropertyName("parameters")]
    public IReadOnlyDictionary<string, JsonNode> Parameters { get; init; } = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);

    /// <summary>How the coordinator stops hopeless jobs early; null (and not written) when it stops none.</summary>
    [JsonPropertyName("early_stopping")]
    public EarlyStoppingSpec? EarlyStopping { get; init; }

    public string ToCanonicalJson() => CanonicalJson.Serialize(this);
}

/// <summary>A spec that passed validation, and the jobs it expands to.</summary>
public sealed record ParsedSweep(SweepSpec Spec, IReadOnlyList<JobDefinition> Jobs);
