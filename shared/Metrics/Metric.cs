namespace Orchestrator.Shared.Metrics;

/// <summary>
/// One quantity a job reports: its key (in metrics.jsonl, result metrics and the database), the heading a table or
/// plot shows, its unit, which direction is better, how to print it, and the values it can take.
/// </summary>
public sealed record Metric(string Key, string Heading, string Unit, Better Better, string Format)
{
    /// <summary>What a report may say for this metric; the coordinator refuses values outside it.</summary>
    public MetricRange Range { get; init; } = MetricRange.AnyFinite;
}
