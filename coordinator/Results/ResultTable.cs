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
/// the succeeded ones (and stopped ones, at their last reported epoch, see <see cref="StoppedInMetrics"/>). A group
/// with jobs still queued, running or failed is <see cref="Complete"/> = false; one stopped early is complete.
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

    /// <summary>Jobs the sweep's early-stopping rule stopped before their final epoch.</summary>
    [JsonPropertyName("stopped")]
    public int Stopped { get; init; }

    /// <summary>
    /// Stopped jobs whose last reported epoch is summarised in <see cref="Metrics"/>: all of them in a group with no
    /// finished job or in a table that includes stopped jobs, else 0 (the metrics are the finished jobs' alone).
    /// </summary>
    [JsonPropertyName("stopped_in_metrics")]
    public int StoppedInMetrics { get; init; }

    [JsonPropertyName("seeds")]
    public int Seeds { get; init; }

    [JsonPropertyName("metrics")]
    public required IReadOnlyDictionary<string, MetricSummary> Metrics { get; init; }

    [JsonPropertyName("best")]
    public BestJob? Best { get; init; }

    /// <summary>Cost axes (metric keys) on which this group is Pareto-optimal against the ranking metric.</summary>
    [JsonPropertyName("pareto")]
    public IReadOnlyList<string> ParetoOn { get; init; } = [];

    /// <summary>Epochs the group's jobs reported (each epoch of a job once).</summary>
    [JsonPropertyName("epochs_trained")]
    public long EpochsTrained { get; init; }

    /// <summary>Epochs of the group's jobs had each trained to its end: the grid's share without early stopping.</summary>
    [JsonPropertyName("epochs_planned")]
    public long EpochsPlanned { get; init; }

    /// <summary>Train and validation seconds of the reported epochs; null when no epoch reported its time.</summary>
    [JsonPropertyName("training_seconds")]
    public double? TrainingSeconds { get; init; }

    /// <summary>Every job ended as planned: succeeded, or stopped early by the sweep's rule.</summary>
    [JsonIgnore]
    public bool Complete => Succeeded + Stopped == Jobs;

    /// <summary>"2/3" style progress, shown wherever a group is incomplete; "1 done, 26 stopped" once jobs were stopped early.</summary>
    [JsonIgnore]
    public string Done => Stopped == 0 ? $"{Succeeded}/{Jobs}"
        : Complete ? $"{Succeeded} done, {Stopped} stopped"
        : $"{Succeeded} done, {Stopped} stopped of {Jobs}";

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

    /// <summary>Whether stopped jobs were summarised with the finished ones and could be a group's best.</summary>
    [JsonPropertyName("include_stopped")]
    public bool IncludeStopped { get; init; }

    [JsonPropertyName("rows")]
    public required IReadOnlyList<ResultRow> Rows { get; init; }

    /// <summary>Epochs trained over all groups (read-only in JSON: the rows' sum).</summary>
    [JsonPropertyName("epochs_trained")]
    public long EpochsTrained => Rows.Sum(r => r.EpochsTrained);

    /// <summary>Epochs the grid would have trained without early stopping (jobs × their epochs).</summary>
    [JsonPropertyName("epochs_planned")]
    public long EpochsPlanned => Rows.Sum(r => r.EpochsPlanned);

    /// <summary>Epochs trained as a fraction of those planned; null for a table without planned epochs.</summary>
    [JsonPropertyName("epochs_trained_fraction")]
    public double? EpochsTrainedFraction => EpochsPlanned == 0 ? null : (double)EpochsTrained / EpochsPlanned;

    /// <summary>Train and validation seconds of every reported epoch; null when none reported its time.</summary>
    [JsonPropertyName("training_seconds")]
    public double? TrainingSeconds => Rows.Any(r => r.TrainingSeconds is not null) ? Rows.Sum(r => r.TrainingSeconds ?? 0) : null;

    /// <summary>
    /// The rows that may be marked best or Pareto-optimal: a group summarised from stopped jobs' last epochs takes part
    /// only when the table includes stopped jobs on purpose.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<ResultRow> RankedRows => IncludeStopped ? Rows : [.. Rows.Where(r => r.StoppedInMetrics == 0)];
}
