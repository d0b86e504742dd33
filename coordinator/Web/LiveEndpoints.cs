using Orchestrator.Coordinator.Storage;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// Live updates of the sweep page: the event stream of a sweep (<see cref="SweepEventsResponse"/>), behind a session like
/// the API (401 without one: an EventSource cannot follow a redirect to a form), and the page script that follows it.
/// </summary>
public static class LiveEndpoints
{
    public const string ScriptPath = "/dashboard.js";

    private static readonly byte[] Script = DashboardEndpoints.ReadEmbedded("Web.dashboard.js", "Web/dashboard.js");

    /// <summary>The stream of a sweep's changes after <paramref name="from"/>: what the sweep page's script opens.</summary>
    public static string EventsPath(long sweepId, LivePosition from) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"/sweeps/{sweepId}/events?after={from.ToToken()}");

    public static void Map(IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGet(ScriptPath, (HttpContext http) =>
        {
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return HttpResults.Bytes(Script, "text/javascript; charset=utf-8");
        });
        routes.MapGet("/sweeps/{id:long}/events", async Task<IResult> (long id, string? after, HttpContext http, SweepStore sweeps, CancellationToken ct) =>
        {
            // A browser reconnecting sends the id of the last event it received, which is newer than the page's `after`.
            var lastEventId = http.Request.Headers["Last-Event-ID"].ToString();
            var (token, source) = lastEventId.Length > 0 ? (lastEventId, "Last-Event-ID") : (after, "after");
            LivePosition from;
            if (token is null)
            {
                from = LivePosition.From(await sweeps.HorizonAsync(ct));
            }
            else if (LivePosition.Parse(token) is { } parsed)
            {
                from = parsed;
            }
            else
            {
                return HttpResults.Json(new ApiError($"{source} \"{token}\" is not a position this stream sent: reload the sweep page, or connect without it to follow the changes from now"),
                    statusCode: StatusCodes.Status400BadRequest);
            }

            return await sweeps.GetAsync(id, ct) is null
                ? HttpResults.Json(new ApiError($"sweep {id} does not exist; GET /api/sweeps lists the sweeps there are"), statusCode: StatusCodes.Status404NotFound)
                : new SweepEventsResponse(id, from);
        }).AddEndpointFilter(new DashboardAccess(api: true));
    }
}
