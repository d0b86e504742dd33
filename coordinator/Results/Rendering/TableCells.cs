using System.Globalization;
using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Results.Rendering;

/// <summary>The text of a table's cells, shared by the human-readable renderers so they agree on every value.</summary>
public static class TableCells
{
    public const string ParetoMark = "*";

    /// <summary>Marks a group whose metrics include stopped jobs' last reported epochs rather than final results alone.</summary>
    public const string StoppedMark = "†";

    public static IReadOnlyList<string> Headings(ResultTable table, TableLayout layout)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(layout);
        return [.. table.GroupBy, "Done", .. layout.Metrics.Select(m => m.Heading), "Pareto"];
    }

    public static IReadOnlyList<string> Row(ResultRow row, ResultTable table, TableLayout layout)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(layout);
        return [.. table.GroupBy.Select(g => row.Group.GetValueOrDefault(g, string.Empty)), Done(row),
            .. layout.Metrics.Select(m => Value(row, m)), Pareto(row)];
    }

    /// <summary>The "Done" cell: "3/3", "2/3 done", "1 done, 26 stopped", with <see cref="StoppedMark"/> where stopped jobs are in the metrics.</summary>
    public static string Done(ResultRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var done = row.Complete || row.Stopped > 0 ? row.Done : $"{row.Done} done";
        return row.StoppedInMetrics > 0 ? $"{done} {StoppedMark}" : done;
    }

    /// <summary>
    /// What the human-readable tables say below the rows about stopped jobs: what the mark means, and the epochs
    /// trained against the grid's (the training early stopping saved). Nothing for a table without stopped jobs.
    /// </summary>
    public static IReadOnlyList<string> StoppedNotes(ResultTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Rows.All(r => r.Stopped == 0))
        {
            return [];
        }

        var notes = new List<string>();
        if (table.Rows.Any(r => r.StoppedInMetrics > 0))
        {
            notes.Add(table.IncludeStopped
                ? $"{StoppedMark} includes jobs stopped early, at their last reported epoch (--include-stopped): they may be a group's best."
                : $"{StoppedMark} every job of the group was stopped early: its metrics are their last reported epoch, and it is neither best nor Pareto-optimal.");
        }

        var spent = table.TrainingSeconds is { } seconds ? string.Create(CultureInfo.InvariantCulture, $"; training time {Duration(seconds)}") : string.Empty;
        notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"Early stopping: {table.Rows.Sum(r => r.Stopped)} jobs stopped; epochs trained {table.EpochsTrained} of {table.EpochsPlanned} ({table.EpochsTrainedFraction ?? 0:P0}){spent}."));
        return notes;
    }

    private static string Duration(double seconds) =>
        seconds >= 3600 ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.0} h")
        : seconds >= 60 ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.0} min")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0} s");

    public static string Value(ResultRow row, Metric metric)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(metric);
        if (!row.Metrics.TryGetValue(metric.Key, out var summary))
        {
            return "–";
        }

        var mean = summary.Mean.ToString(metric.Format, CultureInfo.InvariantCulture);
        return summary.Std is { } std ? $"{mean} ± {std.ToString(metric.Format, CultureInfo.InvariantCulture)}" : mean;
    }

    public static string Pareto(ResultRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.ParetoOn.Count == 0 ? string.Empty : ParetoMark + " " + string.Join(",", row.ParetoOn.Select(ShortCost));
    }

    /// <summary>The rows holding the best mean of a metric (ties all count), for highlighting.</summary>
    public static ISet<ResultRow> BestRows(ResultTable table, Metric metric)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(metric);
        var values = table.RankedRows.Where(r => r.Mean(metric.Key) is not null).ToList();
        if (values.Count == 0)
        {
            return new HashSet<ResultRow>();
        }

        var best = metric.Better == Better.Higher ? values.Max(r => r.Mean(metric.Key)!.Value) : values.Min(r => r.Mean(metric.Key)!.Value);
        return values.Where(r => r.Mean(metric.Key) == best).ToHashSet();
    }

    private static readonly Dictionary<string, string> ShortCostNames = new(StringComparer.Ordinal)
    {
        [MetricCatalog.LatencyMs.Key] = "latency",
        [MetricCatalog.ParamsTotal.Key] = "params",
    };

    private static string ShortCost(string key) => ShortCostNames.GetValueOrDefault(key, key);
}
