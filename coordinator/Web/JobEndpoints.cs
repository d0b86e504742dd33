using System.Globalization;
using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Api.Boundary;
using Orchestrator.Coordinator.Storage;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Orchestrator.Coordinator.Web;

/// <summary>One job's page and its JSON twin, from what GetJob reads, within its limit on epochs.</summary>
public static class JobEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGroup(string.Empty).AddEndpointFilter(new DashboardAccess(api: false))
            .MapGet("/jobs/{id:long}", async Task<IResult> (long id, JobStore jobs, IOptions<LimitsOptions> limits, CancellationToken ct) =>
                await JobAnswer.LoadAsync(jobs, id, limits.Value.MaxProgressPointsInJobDetail, ct) is { } job
                    ? JobView.Render(job)
                    : new HtmlPage("Not found", page => page.Append($"<p class=\"problem\">Job {id.ToString(CultureInfo.InvariantCulture)} does not exist. <a href=\"/\">All sweeps</a></p>"),
                        StatusCodes.Status404NotFound));
        routes.MapGroup("/api").AddEndpointFilter(new DashboardAccess(api: true))
            .MapGet("/jobs/{id:long}", async Task<IResult> (long id, JobStore jobs, IOptions<LimitsOptions> limits, CancellationToken ct) =>
                await JobAnswer.LoadAsync(jobs, id, limits.Value.MaxProgressPointsInJobDetail, ct) is { } job
                    ? HttpResults.Json(job)
                    : HttpResults.Json(new ApiError($"job {id} does not exist; a sweep's jobs are listed by GET /api/sweeps/{{id}}"), statusCode: StatusCodes.Status404NotFound));
    }
}
