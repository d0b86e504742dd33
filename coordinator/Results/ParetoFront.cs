using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Results;

/// <summary>
/// Marks the groups not dominated on (benefit ↑, cost ↓): no other group is at least as good on both and
/// strictly better on one. Uses group means; groups missing either value take no part, nor groups summarised from
/// stopped jobs unless the table includes them (<see cref="ResultTable.RankedRows"/>).
/// </summary>
public static class ParetoFront
{
    public static ResultTable Mark(ResultTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var benefit = MetricCatalog.FindColumn(table.RankBy);
        var marks = table.Rows.ToDictionary(r => r, _ => new List<string>());
        foreach (var cost in table.CostAxes.Select(MetricCatalog.FindColumn))
        {
            foreach (var row in Optimal(table.RankedRows, benefit, cost))
            {
                marks[row].Add(cost.Key);
            }
        }

        return table with { Rows = table.Rows.Select(r => r with { ParetoOn = marks[r] }).ToList() };
    }

    /// <summary>The rows on the front for one benefit and one cost metric, in table order.</summary>
    public static IReadOnlyList<ResultRow> Optimal(IReadOnlyList<ResultRow> rows, Metric benefit, Metric cost)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(benefit);
        ArgumentNullException.ThrowIfNull(cost);
        var points = rows
            .Where(r => r.Mean(benefit.Key) is not null && r.Mean(cost.Key) is not null)
            .Select(r => (Row: r, Gain: Oriented(benefit, r.Mean(benefit.Key)!.Value), Cost: -Oriented(cost, r.Mean(cost.Key)!.Value)))
            .ToList();
        return points
            .Where(p => !points.Any(q => q.Gain >= p.Gain && q.Cost <= p.Cost && (q.Gain > p.Gain || q.Cost < p.Cost)))
            .Select(p => p.Row)
            .ToList();
    }

    // Both axes turned into "larger is better" for the benefit and "smaller is better" for the cost.
    private static double Oriented(Metric metric, double value) => metric.Better == Better.Higher ? value : -value;
}
