using System.Globalization;
using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Results.Rendering;

/// <summary>The text of a table's cells, shared by the human-readable renderers so they agree on every value.</summary>
public static class TableCells
{
    public const string ParetoMark = "*";

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
        var done = row.Complete ? row.Done : $"{row.Done} done";
        return [.. table.GroupBy.Select(g => row.Group.GetValueOrDefault(g, string.Empty)), done,
            .. layout.Metrics.Select(m => Value(row, m)), Pareto(row)];
    }

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
        var values = table.Rows.Where(r => r.Mean(metric.Key) is not null).ToList();
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
