using System.Text.Json;

namespace Orchestrator.Coordinator.Web;

/// <summary>The compare page: the jobs' loss curves in one figure, then a column per job of its parameters and result.</summary>
public static class CompareView
{
    public static HtmlPage Render(IReadOnlyList<Storage.JobRow> jobs) => new("Compare jobs", page =>
    {
        var selection = new CompareSelection([.. jobs.Select(j => j.Id)]);
        var parameters = jobs.Select(j => (JsonElement?)JsonCells.Parse(j.Params)).ToList();
        var results = jobs.Select(j => j.Result is null ? null : (JsonElement?)JsonCells.Parse(j.Result)).ToList();
        PlotFigure.Write(page, "compare-loss", "/compare/loss", selection.Query, epochs: null,
            $"Loss per epoch of jobs {string.Join(", ", selection.JobIds)}", "Train (solid) and validation (dashed) loss per epoch, one colour per job.");

        page.Append($"<div class=\"scroll\"><table class=\"compare\"><thead><tr><th></th>");
        foreach (var job in jobs)
        {
            page.Append($"<th><a href=\"/jobs/{job.Id}\">#{job.Id}</a> {job.Encoder}</th>");
        }

        page.Append($"</tr></thead><tbody><tr><th>Sweep</th>");
        foreach (var job in jobs)
        {
            page.Append($"<td><a href=\"/sweeps/{job.SweepId}\">#{job.SweepId}</a></td>");
        }

        page.Append($"</tr><tr><th>State</th>");
        foreach (var job in jobs)
        {
            page.Append($"<td class=\"state-{job.StateLabel}\">{job.StateLabel}</td>");
        }

        page.Append($"</tr><tr class=\"part\"><th colspan=\"{jobs.Count + 1}\">Parameters</th></tr>");
        WriteRows(page, JsonCells.Keys(parameters), parameters, key => key);
        page.Append($"<tr class=\"part\"><th colspan=\"{jobs.Count + 1}\">Result</th></tr>");
        WriteRows(page, JsonCells.MetricKeys(results), results, JsonCells.Heading);
        page.Append($"</tbody></table></div>");
    });

    /// <summary>One row per key; a cell whose value differs from the first job's is marked, so differences stand out.</summary>
    private static void WriteRows(HtmlWriter page, IReadOnlyList<string> keys, IReadOnlyList<JsonElement?> columns, Func<string, string> heading)
    {
        foreach (var key in keys)
        {
            var values = columns.Select(c => JsonCells.Value(c, key)).ToList();
            page.Append($"<tr><th>{heading(key)}</th>");
            foreach (var value in values)
            {
                page.Append($"<td{(value == values[0] ? default : new HtmlMarkup(" class=\"differs\""))}>{value}</td>");
            }

            page.Append($"</tr>");
        }
    }
}
