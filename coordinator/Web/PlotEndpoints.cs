using System.Globalization;
using System.Text;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Storage;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// The plots as SVG and PNG: a sweep's figures (the files `orch results SWEEP --plots` writes, by the same names),
/// one job's loss curve, and the overlaid curves of the jobs being compared. Drawn on request from the same queries.
/// </summary>
public static class PlotEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var plots = routes.MapGroup(string.Empty).AddEndpointFilter(new DashboardAccess(api: false));
        plots.MapGet("/sweeps/{id:long}/{name}.{extension}", async Task<IResult> (
            long id, string name, string extension, SweepStore sweeps, ResultsQuery results, LossCurvesQuery curves, CancellationToken ct) =>
        {
            if (PlotFormats.FromExtension(extension) is not { } format)
            {
                return NotFound($"plots are .svg or .png, not .{extension}");
            }

            if (await sweeps.GetAsync(id, ct) is not { } found)
            {
                return NotFound($"sweep {Number(id)} does not exist; / lists the sweeps there are");
            }

            if (SweepPlots.IsLossPlot(name))
            {
                // Plan from the list of jobs, read only the curves drawn: a 10,000-job sweep reads 10, not 10,000.
                var jobs = await curves.JobsWithCurvesAsync(id, ct);
                var plans = SweepPlots.PlanLossPlots([.. jobs.Select(j => j.Encoder)]);
                return plans.FirstOrDefault(p => p.Name == name) is { } plan
                    ? new PlotImage(SweepPlots.Draw(plan, await curves.ForJobsAsync([.. plan.Drawn.Select(i => jobs[i].JobId)], ct)).Render(format), format)
                    : NoSuchPlot(id, name, plans.Select(p => p.Name));
            }

            var available = SweepPlots.CostPlots(await DashboardEndpoints.ResultTableAsync(results, found.Sweep, ct));
            return available.FirstOrDefault(p => p.Name == name) is { } plot
                ? new PlotImage(plot.Render(format), format)
                : NoSuchPlot(id, name, available.Select(p => p.Name));
        });
        plots.MapGet("/jobs/{id:long}/loss.{extension}", async Task<IResult> (long id, string extension, JobStore jobs, LossCurvesQuery curves, CancellationToken ct) =>
        {
            if (PlotFormats.FromExtension(extension) is not { } format)
            {
                return NotFound($"plots are .svg or .png, not .{extension}");
            }

            if (await jobs.GetAsync(id, ct) is null)
            {
                return NotFound($"job {Number(id)} does not exist");
            }

            var found = await curves.ForJobsAsync([id], ct);
            return new PlotImage(ResultPlots.LossCurves(found, $"job {Number(id)}: {SweepPlots.LossTitle}", format), format);
        });
        plots.MapGet("/compare/loss.{extension}", async Task<IResult> (string extension, HttpContext http, JobStore jobs, LossCurvesQuery curves, CancellationToken ct) =>
        {
            if (PlotFormats.FromExtension(extension) is not { } format)
            {
                return NotFound($"plots are .svg or .png, not .{extension}");
            }

            var (selection, problem) = await CompareEndpoints.SelectAsync(http.Request.Query["jobs"], jobs, ct);
            if (selection is null)
            {
                return Problem(problem!, StatusCodes.Status400BadRequest);
            }

            var found = await curves.ForJobsAsync([.. selection.Select(j => j.Id)], ct);
            var title = $"jobs {string.Join(", ", selection.Select(j => Number(j.Id)))}: {SweepPlots.LossTitle}";
            return new PlotImage(ResultPlots.LossCurves(found, title, format), format);
        });
    }

    private static IResult NoSuchPlot(long id, string name, IEnumerable<string> names) =>
        NotFound($"sweep {Number(id)} has no plot '{name}' (a loss plot needs a reported epoch); it has: {string.Join(", ", names)}");

    private static IResult NotFound(string message) => Problem(message, StatusCodes.Status404NotFound);

    private static IResult Problem(string message, int statusCode) =>
        HttpResults.Text(message + "\n", "text/plain; charset=utf-8", Encoding.UTF8, statusCode);

    private static string Number(long id) => id.ToString(CultureInfo.InvariantCulture);
}
