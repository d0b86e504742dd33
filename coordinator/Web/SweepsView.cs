namespace Orchestrator.Coordinator.Web;

/// <summary>The sweeps page: newest first, <see cref="PageSize"/> per page, each with its state, progress and counts.</summary>
public static class SweepsView
{
    public const int PageSize = 50;

    /// <param name="sweeps">the page's sweeps</param>
    /// <param name="nextBefore">the `before` of the next page, null on the last</param>
    /// <param name="estimates">the estimated finish of the active sweeps that have one (<see cref="FinishEstimator"/>)</param>
    /// <param name="now">the time the estimates are relative to</param>
    public static HtmlPage Render(IReadOnlyList<SweepSummary> sweeps, long? nextBefore, IReadOnlyDictionary<long, FinishEstimate> estimates, DateTime now) => new("Sweeps", page =>
    {
        if (sweeps.Count == 0)
        {
            page.Append($"<p class=\"muted\">No sweeps here. Submit one with <code>orch submit examples/demo.yaml</code>.</p>");
            return;
        }

        page.Append($"<div class=\"scroll\"><table><thead><tr><th class=\"num\">Sweep</th><th>Name</th><th>State</th><th>Progress</th>");
        page.Append($"<th>ETA</th>");
        page.Append($"<th class=\"num\">Queued</th><th class=\"num\">Running</th><th class=\"num\">Succeeded</th><th class=\"num\">Failed</th><th class=\"num wide\">Cancelled</th><th class=\"wide\">Submitted</th></tr></thead><tbody>");
        foreach (var sweep in sweeps)
        {
            var failed = sweep.Counts["failed"] + sweep.Counts["lease_lost"];
            page.Append($"<tr><td class=\"num\"><a href=\"/sweeps/{sweep.Id}\">#{sweep.Id}</a></td><td><a href=\"/sweeps/{sweep.Id}\">{sweep.Name}</a>");
            if (sweep.Owner is { Length: > 0 } owner)
            {
                page.Append($"<br><span class=\"owner\">{owner}</span>");
            }

            if (sweep.Description is { Length: > 0 } description)
            {
                page.Append($"<br><span class=\"muted\">{description}</span>");
            }

            page.Append($"</td><td class=\"state-{sweep.State}\">{sweep.State}</td>");
            page.Append($"<td><progress value=\"{sweep.Finished}\" max=\"{Math.Max(1, sweep.JobCount)}\">{sweep.Finished}/{sweep.JobCount}</progress> {sweep.Finished}/{sweep.JobCount}</td>");
            page.Append($"<td class=\"eta\">{FinishEstimateView.Cell(estimates.GetValueOrDefault(sweep.Id), now)}</td>");
            page.Append($"<td class=\"num\">{sweep.Counts["queued"]}</td><td class=\"num\">{sweep.Counts["running"]}</td><td class=\"num\">{sweep.Counts["succeeded"]}</td>");
            page.Append($"<td class=\"num\">{failed}</td><td class=\"num wide\">{sweep.Counts["cancelled"]}</td><td class=\"wide\">{Format.Time(sweep.CreatedAt)}</td></tr>");
        }

        page.Append($"</tbody></table></div>");
        if (nextBefore is { } before)
        {
            page.Append($"<p class=\"pages\"><a href=\"/?before={before}\">Older sweeps →</a></p>");
        }
    });
}
