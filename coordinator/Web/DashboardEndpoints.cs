using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Auth;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Results.Rendering;
using Orchestrator.Coordinator.Scheduling;
using Orchestrator.Coordinator.Storage;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// The web dashboard in the coordinator's own host: server-rendered pages, their JSON twins under /api, and the results
/// exports. Every page and API call needs a client or viewer session (<see cref="DashboardAccess"/>); only the login form,
/// the style sheet and the script are open. Data comes from the stores and queries the gRPC services use.
/// </summary>
public static class DashboardEndpoints
{
    private static readonly byte[] StyleSheet = ReadEmbedded("Web.dashboard.css", "Web/dashboard.css");

    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddSingleton<SweepJobsQuery>();
        services.AddSingleton<FinishEstimator>();
        services.AddSingleton<RunningJobsQuery>();
        services.AddSingleton<EpochFeedQuery>();
        return services;
    }

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGet(HtmlPage.StyleSheetPath, () => HttpResults.Bytes(StyleSheet, "text/css; charset=utf-8"));
        LoginEndpoints.Map(routes);
        SweepActionEndpoints.Map(routes);
        LiveEndpoints.Map(routes);

        var pages = routes.MapGroup(string.Empty).AddEndpointFilter(new DashboardAccess(api: false));
        pages.MapGet("/", async (long? before, SweepStore sweeps, FinishEstimator finish, TimeProvider time, CancellationToken ct) =>
        {
            var (list, next) = await SweepPageAsync(sweeps, before, ct);
            return SweepsView.Render(list, next, await finish.ForAsync(list, ct), time.GetUtcNow().UtcDateTime);
        });
        pages.MapGet("/sweeps/{id:long}", async Task<IResult> (
            long id, HttpContext http, SweepStore sweeps, SweepJobsQuery jobs, ResultsQuery results, FinishEstimator finish, TimeProvider time, LossCurvesQuery curves, CancellationToken ct) =>
        {
            // Before the page's reads: the live updates start where what the page shows may end.
            var liveFrom = LivePosition.From(await sweeps.HorizonAsync(ct));
            if (await sweeps.GetAsync(id, ct) is not { } found)
            {
                return SweepNotFound(id);
            }

            var view = JobsView.From(http.Request.Query);
            var (page, total) = await jobs.PageAsync(id, view, ct);
            var summary = SweepSummary.From(found);
            var estimate = (await finish.ForAsync([summary], ct)).GetValueOrDefault(id);
            var clientFormToken = DashboardSession.RoleOf(http) == CallerRole.Client ? FormToken.For(http) : null;
            var outcome = SweepActionOutcome.From(http.Request.Query);
            var rendered = SweepView.Render(summary, view, page, total, await jobs.EncodersAsync(id, ct), await ResultTableAsync(results, found.Sweep, ct), actions =>
            {
                FinishEstimateView.WriteLine(actions, summary, estimate, time.GetUtcNow().UtcDateTime);
                SweepActionsView.Write(actions, summary, outcome, clientFormToken);
            }, await curves.EpochReportsAsync(id, ct));
            rendered.LiveEvents = LiveEndpoints.EventsPath(id, liveFrom);
            return rendered;
        });
        foreach (var (extension, format, mediaType) in SweepView.Exports)
        {
            var renderer = TableRenderers.For(format);
            pages.MapGet($"/sweeps/{{id:long}}/results.{extension}", async Task<IResult> (long id, SweepStore sweeps, ResultsQuery results, CancellationToken ct) =>
                await sweeps.GetAsync(id, ct) is { } found
                    ? HttpResults.File(Encoding.UTF8.GetBytes(renderer.Render(await ResultTableAsync(results, found.Sweep, ct), SweepView.ResultColumns)),
                        mediaType, $"sweep-{id}-results.{extension}")
                    : SweepNotFound(id));
        }

        pages.MapGet("/workers", async (string? after, WorkerStore workers, RunningJobsQuery running, TimeProvider time, IOptions<QueueOptions> queue, CancellationToken ct) =>
        {
            var page = await workers.ListAsync(after, WorkersView.PageSize + 1, ct);
            var shown = page.Take(WorkersView.PageSize).ToList();
            var now = time.GetUtcNow().UtcDateTime;
            return WorkersView.Render(shown, page.Count > WorkersView.PageSize ? page[WorkersView.PageSize - 1].Id : null,
                await running.ByWorkerAsync([.. shown.Select(w => w.Id)], ct), now, WorkerLiveness.OfflineCutoff(queue.Value, now));
        });

        PlotEndpoints.Map(routes);
        JobEndpoints.Map(routes);
        CompareEndpoints.Map(routes);

        var api = routes.MapGroup("/api").AddEndpointFilter(new DashboardAccess(api: true));
        api.MapGet("/sweeps", async (long? before, SweepStore sweeps, CancellationToken ct) =>
        {
            var (list, next) = await SweepPageAsync(sweeps, before, ct);
            return HttpResults.Json(new SweepsAnswer(list, next));
        });
        api.MapGet("/sweeps/{id:long}", async Task<IResult> (long id, HttpContext http, SweepStore sweeps, SweepJobsQuery jobs, CancellationToken ct) =>
        {
            if (await sweeps.GetAsync(id, ct) is not { } found)
            {
                return HttpResults.Json(new ApiError($"sweep {id} does not exist; GET /api/sweeps lists the sweeps there are"), statusCode: StatusCodes.Status404NotFound);
            }

            var view = JobsView.From(http.Request.Query);
            var (page, total) = await jobs.PageAsync(id, view, ct);
            return HttpResults.Json(new SweepAnswer(SweepSummary.From(found), page, total, view.Page, JobsView.PageSize));
        });
        return routes;
    }

    /// <summary>The sweep's table as `orch results SWEEP` builds it: the default grouping, ranking and costs, and the same title.</summary>
    internal static Task<ResultTable> ResultTableAsync(ResultsQuery results, SweepRow sweep, CancellationToken cancellationToken)
    {
        var request = new ResultsRequest { SweepIds = [sweep.Id] };
        return results.AggregateAsync(request, request.Title([ResultsRequest.SweepLabel(sweep.Name, sweep.Id)]), cancellationToken);
    }

    private static async Task<(IReadOnlyList<SweepSummary> Sweeps, long? NextBefore)> SweepPageAsync(SweepStore sweeps, long? before, CancellationToken cancellationToken)
    {
        var page = await sweeps.ListAsync(before, SweepsView.PageSize + 1, cancellationToken);
        var shown = page.Take(SweepsView.PageSize).Select(SweepSummary.From).ToList();
        return (shown, page.Count > SweepsView.PageSize ? shown[^1].Id : null);
    }

    private static HtmlPage SweepNotFound(long id) => HtmlPage.NotFound(string.Create(CultureInfo.InvariantCulture, $"Sweep {id} does not exist."));

    /// <summary>A file of the dashboard embedded in the assembly (the csproj names each as an EmbeddedResource).</summary>
    internal static byte[] ReadEmbedded(string resource, string file)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
                           ?? throw new InvalidOperationException($"{file} is not embedded in the assembly: the coordinator's csproj must list it as an EmbeddedResource named {resource}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
