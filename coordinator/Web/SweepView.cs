using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Results.Rendering;
using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// One sweep's page: its counts, the jobs table (filter by state and encoder, sort by any column, paged) and the
/// results table, whose cells are the ones `orch results` prints (<see cref="TableCells"/>), with links to the exports.
/// </summary>
public static class SweepView
{
    /// <summary>The export links: extension in the URL → the renderer `orch results --format` uses and its media type.</summary>
    public static readonly IReadOnlyList<(string Extension, string Format, string MediaType)> Exports =
    [
        ("csv", "csv", "text/csv; charset=utf-8"),
        ("md", "markdown", "text/markdown; charset=utf-8"),
        ("tex", "latex", "application/x-tex; charset=utf-8"),
    ];

    /// <summary>The columns of the web's results table: all of them, as the exports (`orch results` writes files with the full layout).</summary>
    public static TableLayout ResultColumns => TableLayout.Full;

    private static readonly (string Key, string Heading, bool Numeric)[] JobColumns =
    [
        ("id", "Job", true), ("encoder", "Encoder", false), ("state", "State", false), ("attempt", "Attempt", true),
        ("epoch", "Epoch", true), ("loss", "Loss", true), ("r1", "T2I R@1", true), ("error", "Error", false),
    ];

    // epochReports: epochs the sweep's jobs reported and how many jobs reported any (the plots section's version and caption).
    public static HtmlPage Render(
        SweepSummary sweep, JobsView view, IReadOnlyList<JobLine> jobs, long total, IReadOnlyList<string> encoders, ResultTable results,
        Action<HtmlWriter>? actions = null,
        (long Epochs, long Jobs)? epochReports = null) =>
        new($"#{sweep.Id} {sweep.Name}", page =>
        {
            if (sweep.Owner is { Length: > 0 } owner)
            {
                page.Append($"<p>Owner: <span class=\"owner\">{owner}</span></p>");
            }

            if (sweep.Description is { Length: > 0 } description)
            {
                page.Append($"<p>{description}</p>");
            }

            page.Append($"<p><span class=\"state-{sweep.State}\">{sweep.State}</span> · <progress id=\"sweep-progress\" value=\"{sweep.Finished}\" max=\"{Math.Max(1, sweep.JobCount)}\">{sweep.Finished}/{sweep.JobCount}</progress> ");
            page.Append($"<span id=\"sweep-finished\">{sweep.Finished}/{sweep.JobCount}</span> finished · ");
            page.Append($"<span id=\"sweep-counts\">{string.Join(" · ", sweep.Counts.Where(c => c.Value > 0).Select(c => $"{c.Value} {c.Key}"))}</span>");
            page.Append($" · submitted {Format.Time(sweep.CreatedAt)}</p>");
            actions?.Invoke(page); // the estimated finish, the outcome of a cancel or retry, their buttons (SweepActionsView)

            WriteJobs(page, sweep, view, jobs, total, encoders);
            WriteResults(page, sweep, results);
            if (epochReports is { } reports)
            {
                WritePlots(page, sweep, encoders, results, reports);
            }
        });

    private static void WriteJobs(HtmlWriter page, SweepSummary sweep, JobsView view, IReadOnlyList<JobLine> jobs, long total, IReadOnlyList<string> encoders)
    {
        page.Append($"<h2>Jobs</h2><form class=\"filters\" method=\"get\" action=\"/sweeps/{sweep.Id}\"><label>State <select name=\"state\"><option value=\"\">any</option>");
        foreach (var label in StateLabels.JobStateLabels)
        {
            page.Append($"<option{Selected(view.State is { } s && StateLabels.Label(s) == label)}>{label}</option>");
        }

        page.Append($"</select></label><label>Encoder <select name=\"encoder\"><option value=\"\">any</option>");
        foreach (var encoder in encoders)
        {
            page.Append($"<option{Selected(view.Encoder == encoder)}>{encoder}</option>");
        }

        page.Append($"</select></label><input type=\"hidden\" name=\"sort\" value=\"{view.Sort}\">");
        if (view.Descending)
        {
            page.Append($"<input type=\"hidden\" name=\"dir\" value=\"desc\">");
        }

        page.Append($"<button type=\"submit\">Filter</button></form>");
        page.Append($"<div class=\"scroll\"><table class=\"jobs\"><thead><tr>");
        foreach (var (key, heading, numeric) in JobColumns)
        {
            var descending = view.Sort == key && !view.Descending;
            var mark = view.Sort != key ? string.Empty : view.Descending ? " ↓" : " ↑";
            page.Append($"<th{(numeric ? new HtmlMarkup(" class=\"num\"") : default)}><a href=\"{view.With(sort: key, descending: descending, page: 1)}\">{heading}{mark}</a></th>");
        }

        page.Append($"<th class=\"pick\">Compare</th></tr></thead><tbody>");
        foreach (var job in jobs)
        {
            // data-job-id and data-field are what dashboard.js updates from the event stream (its header comment).
            page.Append($"<tr data-job-id=\"{job.Id}\"><td class=\"num\"><a href=\"/jobs/{job.Id}\">#{job.Id}</a></td><td>{job.Encoder}</td><td class=\"state-{job.State}\" data-field=\"state\">{job.State}</td><td class=\"num\" data-field=\"attempt\">{job.Attempt}/{job.MaxAttempts}</td>");
            page.Append($"<td class=\"num\" data-field=\"epoch\">{(job.Epoch is { } epoch ? Format.Number(epoch) : Format.None)}</td><td class=\"num\" data-field=\"loss\">{Format.Number(job.Loss)}</td><td class=\"num\">{Format.Number(job.RecallAt1)}</td>");
            page.Append($"<td class=\"error\" data-field=\"error\">{job.Error}</td><td class=\"pick\"><input type=\"checkbox\" name=\"jobs\" value=\"{job.Id}\" form=\"compare\" aria-label=\"compare job {job.Id}\"></td></tr>");
        }

        page.Append($"</tbody></table></div>");
        WriteCompareForm(page);
        var pages = (int)Math.Max(1, (total + JobsView.PageSize - 1) / JobsView.PageSize);
        page.Append($"<p class=\"pages\"><span class=\"muted\">{total} job(s) · page {view.Page} of {pages}</span>");
        if (view.Page > 1)
        {
            page.Append($"<a href=\"{view.With(page: view.Page - 1)}\">← Previous</a>");
        }

        if (view.Page < pages)
        {
            page.Append($"<a href=\"{view.With(page: view.Page + 1)}\">Next →</a>");
        }

        page.Append($"</p>");
    }

    private static void WriteResults(HtmlWriter page, SweepSummary sweep, ResultTable results)
    {
        page.Append($"<h2>Results</h2><p class=\"muted\">{results.Title}: mean ± std over the succeeded jobs of each group ({TableCells.StoppedMark}: over stopped jobs' last epochs); {TableCells.ParetoMark} marks the Pareto front of {results.RankBy} against each cost. Export: ");
        page.Append($"{new HtmlMarkup(string.Join(" · ", Exports.Select(e => Link(sweep.Id, e.Extension))))}</p>");
        if (results.Rows.Count == 0)
        {
            page.Append($"<p class=\"muted\">No jobs yet.</p>");
            return;
        }

        page.Append($"<div class=\"scroll\"><table class=\"results\"><thead><tr>");
        foreach (var heading in TableCells.Headings(results, ResultColumns))
        {
            page.Append($"<th>{heading}</th>");
        }

        page.Append($"</tr></thead><tbody>");
        foreach (var row in results.Rows)
        {
            page.Append($"<tr>");
            foreach (var cell in TableCells.Row(row, results, ResultColumns))
            {
                page.Append($"<td>{cell}</td>");
            }

            page.Append($"</tr>");
        }

        page.Append($"</tbody></table></div>");
        foreach (var note in TableCells.StoppedNotes(results))
        {
            page.Append($"<p class=\"muted stopped-note\">{note}</p>");
        }
    }

    /// <summary>The form the jobs table's checkboxes belong to (form="compare"): a GET of /compare?jobs=…, without script.</summary>
    private static void WriteCompareForm(HtmlWriter page) =>
        page.Append($"<form id=\"compare\" class=\"compare\" method=\"get\" action=\"/compare\"><button type=\"submit\">Compare selected</button> <span class=\"muted\">{CompareSelection.MinJobs}–{CompareSelection.MaxJobs} jobs: their loss curves overlaid, parameters and results side by side</span></form>");

    /// <summary>
    /// The sweep's figures as `orch results SWEEP --plots` writes them: its loss curves (refreshed by the live script
    /// through data-epochs and ?v=), retrieval against each cost with the Pareto front, and each encoder's loss curves.
    /// </summary>
    private static void WritePlots(HtmlWriter page, SweepSummary sweep, IReadOnlyList<string> encoders, ResultTable results, (long Epochs, long Jobs) reports)
    {
        page.Append($"<h2>Plots</h2><div class=\"plots\">");
        PlotFigure.Write(page, "loss-curves", $"/sweeps/{sweep.Id}/{SweepPlots.LossName}", string.Empty, reports.Epochs,
            $"Loss per epoch of the jobs of sweep {sweep.Id}", SweepPlots.LossCaption(reports.Jobs));
        foreach (var cost in results.CostAxes)
        {
            // An empty scatter is an axis from -10 to 10 (the browser screenshots showed two of them on a new sweep): a line instead.
            if (!results.Rows.Any(r => r.Mean(results.RankBy) is not null && r.Mean(cost) is not null))
            {
                page.Append($"<p class=\"muted\">{JsonCells.Heading(results.RankBy)} against {JsonCells.Heading(cost)}: no group has both yet (plotted once jobs succeed).</p>");
                continue;
            }

            var name = SweepPlots.CostPlotName(results, cost);
            PlotFigure.Write(page, name, $"/sweeps/{sweep.Id}/{name}", string.Empty, epochs: null,
                $"{JsonCells.Heading(results.RankBy)} against {JsonCells.Heading(cost)} per {string.Join(", ", results.GroupBy)}",
                $"{JsonCells.Heading(results.RankBy)} (group mean) against {JsonCells.Heading(cost)}; the step line is the Pareto front ({TableCells.ParetoMark} in the table).");
        }

        page.Append($"</div>");
        if (encoders.Count > 0)
        {
            page.Append($"<p class=\"muted\">Loss curves per encoder (the first {SweepPlots.MaxCurves} jobs of each): ");
            page.Append($"{new HtmlMarkup(string.Join(" · ", encoders.Select(e => EncoderLossLinks(sweep.Id, e))))}</p>");
        }
    }

    private static string EncoderLossLinks(long sweepId, string encoder)
    {
        var path = $"/sweeps/{sweepId}/{Uri.EscapeDataString(SweepPlots.EncoderLossName(encoder))}";
        var links = new HtmlWriter();
        links.Append($"{encoder} <a href=\"{path}.svg\" download>SVG</a> <a href=\"{path}.png\" download>PNG</a>");
        return links.ToString();
    }

    private static string Link(long sweepId, string extension)
    {
        var link = new HtmlWriter();
        link.Append($"<a href=\"/sweeps/{sweepId}/results.{extension}\">{extension.ToUpperInvariant()}</a>");
        return link.ToString();
    }

    private static HtmlMarkup Selected(bool selected) => selected ? new HtmlMarkup(" selected") : default;
}
