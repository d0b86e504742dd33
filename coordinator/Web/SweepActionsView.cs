using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// The sweep page's action part: the outcome of the cancel or retry that led here, and for a client session the
/// cancel and retry forms (a viewer sees neither form). Plain forms, no script. Cancelling asks for confirmation in a
/// `details` element that opens on the first click, because it cannot be undone for running jobs (their work is
/// lost); a retry only queues jobs that had ended without success, so it posts at once.
/// </summary>
public static class SweepActionsView
{
    public static void Write(HtmlWriter page, SweepSummary sweep, SweepActionOutcome? outcome, string? clientFormToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(sweep);
        if (outcome is not null)
        {
            page.Append($"<p class=\"outcome\" role=\"status\">{outcome.Sentence()}</p>");
        }

        if (clientFormToken is null)
        {
            return;
        }

        var (queued, running) = (sweep.Counts[StateLabels.Label(JobState.Queued)], sweep.Counts[StateLabels.Label(JobState.Running)]);
        var retriable = sweep.Counts[StateLabels.Label(JobState.Failed)] + sweep.Counts[StateLabels.Label(JobState.LeaseLost)] + sweep.Counts[StateLabels.Label(JobState.Cancelled)];
        if (queued + running == 0 && retriable == 0)
        {
            return;
        }

        page.Append($"<div class=\"actions\">");
        if (queued + running > 0)
        {
            page.Append($"<details class=\"confirm\"><summary>Cancel sweep…</summary><form method=\"post\" action=\"/sweeps/{sweep.Id}/cancel\">{Token(clientFormToken)}");
            page.Append($"<p>Cancel {queued} queued job(s) now and ask {running} running job(s) to stop at their next heartbeat? Their work so far is lost; Retry runs them again later.</p>");
            page.Append($"<button type=\"submit\" class=\"danger\">Yes, cancel sweep #{sweep.Id}</button></form></details>");
        }

        if (retriable > 0)
        {
            page.Append($"<form method=\"post\" action=\"/sweeps/{sweep.Id}/retry\">{Token(clientFormToken)}");
            page.Append($"<label><input type=\"checkbox\" name=\"failed_only\" value=\"true\"> failed and lease-lost only (leave cancelled jobs)</label> ");
            page.Append($"<button type=\"submit\">Retry unsuccessful jobs</button></form>");
        }

        page.Append($"</div>");
    }

    private static HtmlMarkup Token(string value)
    {
        var field = new HtmlWriter();
        field.Append($"<input type=\"hidden\" name=\"{FormToken.FieldName}\" value=\"{value}\">");
        return new HtmlMarkup(field.ToString());
    }
}
