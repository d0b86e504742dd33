using System.Globalization;
using System.Text;

namespace Orchestrator.Coordinator.Results.Rendering;

/// <summary>
/// RFC 4180 CSV (CRLF line ends, fields quoted when they hold a comma, quote or line break) with plain
/// numbers: one mean and one std column per metric, so spreadsheets and pandas read it without parsing "±"; stopped
/// jobs as counts (stopped, stopped_in_metrics), never as a mark inside a number.
/// </summary>
public sealed class CsvTableRenderer : ITableRenderer
{
    public string Format => "csv";

    public string Extension => "csv";

    public string Render(ResultTable table, TableLayout layout)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(layout);
        var header = new List<string>(table.GroupBy) { "jobs", "succeeded", "failed", "stopped", "stopped_in_metrics", "seeds" };
        foreach (var metric in layout.Metrics)
        {
            header.Add(metric.Key + "_mean");
            header.Add(metric.Key + "_std");
        }

        header.AddRange(["best_job_id", "best_" + table.RankBy, "pareto", "epochs_trained", "epochs_planned", "training_seconds"]);
        var output = new StringBuilder();
        AppendRecord(output, header);
        foreach (var row in table.Rows)
        {
            var fields = table.GroupBy.Select(g => row.Group.GetValueOrDefault(g, string.Empty)).ToList();
            fields.AddRange([Number(row.Jobs), Number(row.Succeeded), Number(row.Failed), Number(row.Stopped), Number(row.StoppedInMetrics), Number(row.Seeds)]);
            foreach (var metric in layout.Metrics)
            {
                var summary = row.Metrics.GetValueOrDefault(metric.Key);
                fields.Add(summary is null ? string.Empty : Number(summary.Mean));
                fields.Add(summary?.Std is { } std ? Number(std) : string.Empty);
            }

            fields.AddRange([row.Best is null ? string.Empty : Number(row.Best.JobId), row.Best is null ? string.Empty : Number(row.Best.Value), string.Join(";", row.ParetoOn),
                Number(row.EpochsTrained), Number(row.EpochsPlanned), row.TrainingSeconds is { } seconds ? Number(seconds) : string.Empty]);
            AppendRecord(output, fields);
        }

        return output.ToString();
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void AppendRecord(StringBuilder output, IEnumerable<string> fields)
    {
        output.Append(string.Join(",", fields.Select(Quote)));
        output.Append("\r\n");
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
