using System.Globalization;
using Orchestrator.Coordinator.Auth;
using Orchestrator.Coordinator.Storage;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// `POST /sweeps/{id}/cancel` and `POST /sweeps/{id}/retry` (form field `failed_only`): the sweep page's buttons, for a
/// client session only. They call the store methods CancelSweep and RetrySweep call, then redirect (303) back to the
/// sweep page with the outcome. A POST is refused before anything changes when it comes from another site
/// (<see cref="SameOrigin"/>), without a session (to the login page), from a viewer, or without this session's
/// <see cref="FormToken"/>. The gRPC API has no per-job cancel, so neither has the page.
/// </summary>
public static class SweepActionEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/sweeps/{id:long}/cancel", async Task<IResult> (long id, HttpContext http, SweepStore sweeps) =>
        {
            if (await RefusalAsync(http, id) is { } refused)
            {
                return refused;
            }

            return await sweeps.CancelAsync(id, http.RequestAborted) is { } outcome
                ? Back(id, SweepActionOutcome.Cancelled(outcome.Cancelled, outcome.CancelRequested))
                : NotFound(id);
        });

        routes.MapPost("/sweeps/{id:long}/retry", async Task<IResult> (long id, HttpContext http, SweepStore sweeps) =>
        {
            if (await RefusalAsync(http, id) is { } refused)
            {
                return refused;
            }

            var failedOnly = http.Request.Form["failed_only"].ToString() is "true" or "on";
            return await sweeps.RetryAsync(id, failedOnly, http.RequestAborted) is { } outcome
                ? Back(id, SweepActionOutcome.Retried(outcome, failedOnly))
                : NotFound(id);
        });
    }

    /// <summary>Why this POST may not change anything, as the answer to send; null when it may.</summary>
    private static async Task<IResult?> RefusalAsync(HttpContext http, long sweepId)
    {
        if (!SameOrigin.Allows(http.Request))
        {
            return Refused("This request came from another site and was refused; nothing was changed. Open the sweep's page on the dashboard itself and use its buttons.", sweepId);
        }

        switch (DashboardSession.RoleOf(http))
        {
            case CallerRole.Client:
                break;
            case CallerRole.Viewer:
                return Refused("Viewer tokens are read-only: nothing was changed. Sign in with a client token to cancel or retry.", sweepId);
            default:
                return new SeeOther("/login?returnUrl=" + Uri.EscapeDataString(SweepPath(sweepId)));
        }

        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
        return FormToken.Matches(http, form?[FormToken.FieldName].ToString())
            ? null
            : Refused("This form's anti-forgery token is missing or belongs to another session (signed in again since, or with another token); nothing was changed. Reload the sweep's page and try again.", sweepId);
    }

    private static SeeOther Back(long sweepId, SweepActionOutcome outcome) => new(outcome.PageUrl(sweepId));

    private static HtmlPage Refused(string problem, long sweepId) => new("Refused", page =>
        page.Append($"<p class=\"problem\">{problem}</p><p><a href=\"{SweepPath(sweepId)}\">Back to the sweep</a></p>"),
        StatusCodes.Status403Forbidden);

    private static HtmlPage NotFound(long sweepId) => HtmlPage.NotFound(string.Create(CultureInfo.InvariantCulture, $"Sweep {sweepId} does not exist; nothing was changed."));

    /// <summary>303 See Other: the browser follows it with a GET, so reloading the page it lands on posts nothing again.</summary>
    private sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }

    private static string SweepPath(long sweepId) => string.Create(CultureInfo.InvariantCulture, $"/sweeps/{sweepId}");
}
