using System.Text.Json.Serialization;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>
/// One line of metrics.jsonl, as the trainer writes it and the agent reads it back; the field names are constants
/// so the reader cannot drift from the writer. <see cref="Attempt"/> is the attempt of the leased job the trainer ran
/// for (absent for a hand-started job), so an agent relaying the line after a resume says which attempt produced it.
/// </summary>
public sealed record MetricsLine(
    [property: JsonPropertyName(MetricsLine.KindField)] string Kind,
    [property: JsonPropertyName(MetricsLine.EpochField)] int Epoch,
    [property: JsonPropertyName(MetricsLine.StepField)] long Step,
    [property: JsonPropertyName(MetricsLine.TimeField)] DateTimeOffset Time,
    [property: JsonPropertyName(MetricsLine.ValuesField)] IReadOnlyDictionary<string, double> Values,
    [property: JsonPropertyName(MetricsLine.AttemptField), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Attempt = null)
{
    public const string KindField = "kind";
    public const string EpochField = "epoch";
    public const string StepField = "step";
    public const string TimeField = "time";
    public const string ValuesField = "values";
    public const string AttemptField = "attempt";
}
