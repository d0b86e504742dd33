using System.Globalization;
using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Api.Boundary;
using Orchestrator.Coordinator.EarlyStopping;
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
            .MapGet("/jobs/{id:long}", async Task<IResult> (long id, JobStore jobs, JobStopsQuery stops, IOptions<LimitsOptions> limits, CancellationToken ct) =>
                await JobAnswer.LoadAsync(jobs, stops, id, limits.Value.MaxProgressPointsInJobDetail, ct) is { } job
                    ? JobView.Render(job)
                    : HtmlPage.NotFound(string.Create(CultureInfo.InvariantCulture, $"Job {id} does not exist.")));
        routes.MapGroup("/api").AddEndpointFilter(new DashboardAccess(api: true))
            .MapGet("/jobs/{id:long}", async Task<IResult> (long id, JobStore jobs, JobStopsQuery stops, IOptions<LimitsOptions> limits, CancellationToken ct) =>
                await JobAnswer.LoadAsync(jobs, stops, id, limits.Value.MaxProgressPointsInJobDetail, ct) is { } job
                    ? HttpResults.Json(job)
                    : HttpResults.Json(new ApiError($"job {id} does not exist; a sweep's jobs are listed by GET /api/sweeps/{{id}}"), statusCode: StatusCodes.Status404NotFound));
    }
}
