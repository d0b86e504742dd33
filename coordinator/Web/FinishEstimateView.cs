using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Web;

/// <summary>How the pages show a <see cref="FinishEstimate"/>: a cell in the sweeps list, a line on the sweep's page.</summary>
public static class FinishEstimateView
{
    /// <summary>The sweeps list's cell: the relative time with the absolute one in its title, or "–".</summary>
    public static HtmlMarkup Cell(FinishEstimate? estimate, DateTime now) =>
        estimate is null ? new HtmlMarkup(Format.None) : RelativeTime.Markup(estimate.At, now);

    /// <summary>The sweep page's line, for an active sweep: when, and what it was estimated from.</summary>
    public static void WriteLine(HtmlWriter page, SweepSummary sweep, FinishEstimate? estimate, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(sweep);
        if (sweep.State != StateLabels.Label(SweepState.Active))
        {
            return;
        }

        if (estimate is null)
        {
            page.Append($"<p class=\"eta\">Estimated finish: {Format.None} <span class=\"muted\">(from the sweep's finished jobs and the jobs running now: none yet to estimate from)</span></p>");
            return;
        }

        page.Append($"<p class=\"eta\">Estimated finish: {RelativeTime.Markup(estimate.At, now)} ({Format.Time(estimate.At)}) <span class=\"muted\">· {estimate.Left} job(s) left, {estimate.Running} running, ");
        page.Append($"a job takes {RelativeTime.Duration(estimate.TypicalJob)} (median of {estimate.Samples} finished)</span></p>");
    }
}
