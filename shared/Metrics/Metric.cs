namespace Orchestrator.Shared.Metrics;

/// <summary>
/// One quantity a job reports: its key (in metrics.jsonl, result metrics and the database), the heading a table or
/// plot shows, its unit, which direction is better, and how to print it.
/// </summary>
public sealed record Metric(string Key, string Heading, string Unit, Better Better, string Format);
