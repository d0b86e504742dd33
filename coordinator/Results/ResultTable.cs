using System.Text.Json.Serialization;
using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Results;

/// <summary>Mean, sample standard deviation (null for a single value), extremes and count of one metric in one group.</summary>
public sealed record MetricSummary(
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("std")] double? Std,
    [property: JsonPropertyName("min")] double Min,
    [property: JsonPropertyName("max")] double Max,
    [property: JsonPropertyName("n")] int Count);

/// <summary>The job of a group that scores best on the table's ranking metric.</summary>
public sealed record BestJob(
    [property: JsonPropertyName("job_id")] long JobId,
    [property: JsonPropertyName("value")] double Value);

/// <summary>
/// One group of jobs (by default, one encoder): how many of its jobs are done, and each metric summarised over
/// the succeeded ones. A group with jobs still queued, running or failed is <see cref="Complete"/> = false.
/// </summary>
public sealed record ResultRow
{
    /// <summary>The grouping values, e.g. {encoder: resnet50, image_encoder_lr: 0.0001}.</summary>
    [JsonPropertyName("group")]
    public required IReadOnlyDictionary<string, string> Group { get; init; }

    [JsonPropertyName("jobs")]
    public int Jobs { get; init; }

    [JsonPropertyName("succeeded")]
    public int Succeeded { get; init; }

    [JsonPropertyName("failed")]
    public int Failed { get; init; }

    [JsonPropertyName("seeds")]
    public int Seeds { get; init; }

    [JsonPropertyName("metrics")]
    public required IReadOnlyDictionary<string, MetricSummary> Metrics { get; init; }

    [JsonPropertyName("best")]
    public BestJob? Best { get; init; }

    /// <summary>Cost axes (metric keys) on which this group is Pareto-optimal against the ranking metric.</summary>
    [JsonPropertyName("pareto")]
    public IReadOnlyList<string> ParetoOn { get; init; } = [];

    [JsonIgnore]
    public bool Complete => Succeeded == Jobs;

    /// <summary>"2/3" style progress, shown wherever a group is incomplete.</summary>
    [JsonIgnore]
    public string Done => $"{Succeeded}/{Jobs}";

    public string Label => string.Join(" ", Group.Select(g => Group.Count == 1 ? g.Value : $"{g.Key}={g.Value}"));

    public double? Mean(string metric) => Metrics.TryGetValue(metric, out var s) ? s.Mean : null;
}

/// <summary>A sweep's comparison table: groups, the metric they are ranked by, and the cost axes of the Pareto marks.</summary>
public sealed record ResultTable
{
    [JsonPropertyName("title")]
    public required string Title { get; init; }

    [JsonPropertyName("group_by")]
    public required IReadOnlyList<string> GroupBy { get; init; }

    /// <summary>Metric that picks each group's best job and is the "benefit" axis of the Pareto front.</summary>
    [JsonPropertyName("rank_by")]
    public string RankBy { get; init; } = MetricCatalog.TextToImageR1.Key;

    [JsonPropertyName("cost_axes")]
    public IReadOnlyList<string> CostAxes { get; init; } = [MetricCatalog.LatencyMs.Key, MetricCatalog.ParamsTotal.Key];

    [JsonPropertyName("rows")]
    public required IReadOnlyList<ResultRow> Rows { get; init; }
}
