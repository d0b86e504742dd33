using Microsoft.Extensions.Primitives;
using Orchestrator.Coordinator.Storage;

namespace Orchestrator.Coordinator.Web;

/// <summary>Compare 2–6 jobs: their loss curves overlaid and their parameters and results side by side.</summary>
public static class CompareEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGroup(string.Empty).AddEndpointFilter(new DashboardAccess(api: false))
            .MapGet("/compare", async Task<IResult> (HttpContext http, JobStore jobs, CancellationToken ct) =>
            {
                var (selection, problem) = await SelectAsync(http.Request.Query["jobs"], jobs, ct);
                return selection is null
                    ? new HtmlPage("Compare jobs", page => page.Append($"<p class=\"problem\">Cannot compare: {problem}</p><p><a href=\"/\">All sweeps</a></p>"),
                        StatusCodes.Status400BadRequest)
                    : CompareView.Render(selection);
            });
    }

    /// <summary>The jobs named, in the order named; or what is wrong: not 2–6 ids, or ids of no job.</summary>
    public static async Task<(IReadOnlyList<JobRow>? Jobs, string? Problem)> SelectAsync(StringValues values, JobStore jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var (selection, problem) = CompareSelection.Parse(values);
        if (selection is null)
        {
            return (null, problem);
        }

        var found = new List<JobRow>();
        var missing = new List<long>();
        foreach (var id in selection.JobIds)
        {
            if (await jobs.GetAsync(id, cancellationToken) is { } job)
            {
                found.Add(job);
            }
            else
            {
                missing.Add(id);
            }
        }

        return missing.Count > 0
            ? (null, $"no job {string.Join(", ", missing)}; pick jobs from a sweep's jobs table")
            : (found, null);
    }
}
