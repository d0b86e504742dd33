using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Coordinator.Api;
using Orchestrator.Coordinator.Cli;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Monitoring;
using Orchestrator.Coordinator.Results.Rendering;
using Orchestrator.Coordinator.Tests.Web;
using Orchestrator.Protos;
using Orchestrator.Shared.Monitoring;
using Orchestrator.Testing;
using Xunit.Abstractions;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// How an early-stopped study looks once it ran: the ASHA study (27 configurations, eta 3, 9 epochs, reports
/// rung by rung, see <see cref="ScriptedTrainer"/>) read back through `orch results` (GetResults), `orch status`
/// (GetSweep's rungs), the job page and the stop counter. Expected numbers come from the scripted curves and the
/// database rows, not from the code under test.
/// </summary>
public sealed class EarlyStoppedStudyViewTests(IsolatedDatabase database, ITestOutputHelper output) : IClassFixture<IsolatedDatabase>, IAsyncLifetime
{
    private CoordinatorHost host = null!;
    private ScriptedAshaRun run = null!;

    public async Task InitializeAsync()
    {
        host = await TestCoordinator.StartAsync(database.ConnectionString);
        await TestCoordinator.ClearAsync(database.ConnectionString);
        run = await ScriptedTrainer.RunAshaAsync(host);
    }

    public Task DisposeAsync() => host.DisposeAsync().AsTask();

    [Fact]
    public async Task The_table_counts_3_done_and_24_stopped_ranks_only_finished_jobs_and_shows_63_of_243_epochs_trained()
    {
        var table = await ResultsAsync(includeStopped: false);
        var text = new ConsoleTableRenderer().Render(table, TableLayout.StudyLossAndTime);
        output.WriteLine(text);

        var row = Assert.Single(table.Rows);
        Assert.Equal((27, 3, 24, 0), (row.Jobs, row.Succeeded, row.Stopped, row.StoppedInMetrics));
        Assert.True(row.Complete);
        Assert.Equal("3 done, 24 stopped", row.Done);
        Assert.Equal(3, row.Metrics["val_loss"].Count);
        Assert.Equal((2.0 + 1.5 + 1.0) / 3, row.Metrics["val_loss"].Mean, 9);
        Assert.Equal((run.JobIds[18], 1.0), (row.Best!.JobId, row.Best.Value));
        Assert.Equal((63L, 243L), (table.EpochsTrained, table.EpochsPlanned));
        Assert.Equal(63.0 / 243, table.EpochsTrainedFraction!.Value, 12);
        Assert.Equal(63 * ScriptedTrainer.EpochSeconds, table.TrainingSeconds!.Value, 9);
        Assert.Contains("3 done, 24 stopped", text, StringComparison.Ordinal);
        Assert.Contains("Early stopping: 24 jobs stopped; epochs trained 63 of 243 (26 %); training time ", text, StringComparison.Ordinal);

        // With the stopped jobs their last epochs join the mean; none of them beats job 18's final 1.0.
        var all = Assert.Single((await ResultsAsync(includeStopped: true)).Rows);
        var lastValues = Enumerable.Range(0, 27).Select(LastValue).ToList();
        Assert.Equal((24, 27), (all.StoppedInMetrics, all.Metrics["val_loss"].Count));
        Assert.Equal(lastValues.Average(), all.Metrics["val_loss"].Mean, 9);
        Assert.Equal(run.JobIds[18], all.Best!.JobId);
        Assert.Equal("3 done, 24 stopped †", TableCells.Done(all));
    }

    [Fact]
    public async Task Groups_of_stopped_jobs_show_their_last_epoch_marked_and_only_include_stopped_lets_one_be_best()
    {
        // By learning rate: whichever way the grid is ordered, some rates have only stopped jobs (see the curves).
        var rates = (await TestCoordinator.QueryAsync<(long Id, string Rate)>(database.ConnectionString,
            "SELECT id, params->>'head_lr' FROM jobs")).ToDictionary(j => j.Id, j => j.Rate);
        var groups = Enumerable.Range(0, 27).GroupBy(i => rates[run.JobIds[i]]).ToDictionary(g => g.Key, g => g.ToList());

        var table = await ResultsAsync(includeStopped: false, groupBy: "head_lr");
        var included = await ResultsAsync(includeStopped: true, groupBy: "head_lr");
        var text = new ConsoleTableRenderer().Render(table, TableLayout.StudyLossAndTime);
        output.WriteLine(text);

        Assert.Equal(groups.Keys.Order(StringComparer.Ordinal), table.Rows.Select(r => r.Group["head_lr"]).Order(StringComparer.Ordinal));
        Assert.Contains(groups.Values, g => g.All(i => run.StoppedAt.ContainsKey(i))); // the scenario has groups of stopped jobs only
        foreach (var row in table.Rows)
        {
            var members = groups[row.Group["head_lr"]];
            var finished = members.Where(i => !run.StoppedAt.ContainsKey(i)).ToList();
            var summarised = finished.Count > 0 ? finished : members; // a group no job of which finished shows its stopped jobs
            Assert.Equal(finished.Count > 0 ? 0 : members.Count, row.StoppedInMetrics);
            Assert.Equal(summarised.Average(LastValue), row.Metrics["val_loss"].Mean, 9);
            Assert.Equal(finished.Count > 0 ? run.JobIds[finished.MinBy(LastValue)] : (long?)null, row.Best?.JobId);

            var withStopped = included.Rows.Single(r => r.Group["head_lr"] == row.Group["head_lr"]);
            Assert.Equal(members.Average(LastValue), withStopped.Metrics["val_loss"].Mean, 9);
            Assert.Equal(run.JobIds[members.MinBy(LastValue)], withStopped.Best!.JobId);
            Assert.Equal(row.StoppedInMetrics > 0, TableCells.Done(row).EndsWith(TableCells.StoppedMark, StringComparison.Ordinal));
        }

        Assert.Contains(included.Rows, r => run.StoppedAt.ContainsKey(run.JobIds.ToList().IndexOf(r.Best!.JobId)));
        Assert.Contains("every job of the group was stopped early", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_shows_each_rung_with_the_jobs_that_reached_it_were_stopped_there_and_the_cut()
    {
        var sweep = await host.Sweeps().GetSweepAsync(new GetSweepRequest { SweepId = run.SweepId });
        var lines = StatusCommands.RungTable(sweep.Rungs).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        output.WriteLine(string.Join("\n", lines));

        // Rung 1: 27 reach it, 18 stop behind cuts 4.9 or 5.0; rung 3: 9 reach it, 6 stop behind 2.9 or 3.0; 3 train to epoch 9.
        Assert.Equal([(1, 27, 18, 4.9, 5.0), (3, 9, 6, 2.9, 3.0), (9, 3, 0, double.NaN, double.NaN)],
            sweep.Rungs.Select(r => (r.Epoch, r.Reached, r.Stopped, r.HasMinCut ? r.MinCut : double.NaN, r.HasMaxCut ? r.MaxCut : double.NaN)));
        Assert.Equal(
            [["EPOCH", "REACHED", "STOPPED", "CUT"], ["1", "27", "18", "4.9–5"], ["3", "9", "6", "2.9–3"], ["9", "3", "0", "–"]],
            lines.Where(l => !l.StartsWith('-')).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task A_stopped_job_s_page_shows_rule_rung_value_cut_and_reason()
    {
        var stopped = run.JobIds[1];
        var reason = await TestCoordinator.ScalarAsync<string>(database.ConnectionString, "SELECT reason FROM job_stops WHERE job_id = @stopped", new { stopped });
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(TestCoordinator.ClientToken);

        var (page, html) = await browser.GetAsync($"/jobs/{stopped}");
        var (_, finishedHtml) = await browser.GetAsync($"/jobs/{run.JobIds[18]}");
        var (_, json) = await browser.GetAsync($"/api/jobs/{stopped}");
        var (_, sweepHtml) = await browser.GetAsync($"/sweeps/{run.SweepId}");

        // Job 1 reported 11 at rung 1, behind the best 1 of 2 (job 0's 5.0).
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<h2>Stopped early</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Rule</th><td>asha</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Rung (epoch)</th><td class=\"num\">1</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"num\">11</td></tr><tr><th>Cut</th><td class=\"num\">5</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains($"<tr><th>Reason</th><td>{WebUtility.HtmlEncode(reason)}</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("is not among the best 1 of the 2 jobs", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Stopped early", finishedHtml, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"/jobs/{stopped}\">#{stopped}</a></td><td>resnet18</td><td class=\"state-stopped\" data-field=\"state\">stopped</td>", sweepHtml, StringComparison.Ordinal);
        Assert.Contains("Early stopping: 24 jobs stopped; epochs trained 63 of 243 (26 %)", sweepHtml, StringComparison.Ordinal);
        var stop = JsonDocument.Parse(json).RootElement.GetProperty("stop");
        Assert.Equal(("asha", 1, 11.0, 5.0, reason), (stop.GetProperty("rule").GetString(), stop.GetProperty("rung").GetInt32(),
            stop.GetProperty("value").GetDouble(), stop.GetProperty("cut").GetDouble(), stop.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task The_stop_counter_equals_the_job_stops_rows()
    {
        using var stream = new MemoryStream();
        await host.Services.GetRequiredService<CoordinatorMetrics>().Registry.CollectAndExportAsTextAsync(stream);
        var page = PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        var rows = await TestCoordinator.QueryAsync<(string Rule, long Stops)>(database.ConnectionString, "SELECT rule, count(*) FROM job_stops GROUP BY rule");

        Assert.Equal([("asha", 24L)], rows);
        Assert.Equal(24, page.Value(PrometheusNames.JobsStopped, (PrometheusNames.RuleLabel, "asha")));
        Assert.Equal(0, page.Value(PrometheusNames.JobsStopped, (PrometheusNames.RuleLabel, "median")));
        Assert.Equal(0, page.Value(PrometheusNames.JobsStopped, (PrometheusNames.RuleLabel, "hyperband")));
    }

    /// <summary>The value job <paramref name="i"/> (lease order) last reported: where it stopped, or its final one.</summary>
    private double LastValue(int i) => ScriptedTrainer.AshaCurve(i)[(run.StoppedAt.TryGetValue(i, out var epoch) ? epoch : 9) - 1];

    private async Task<Coordinator.Results.ResultTable> ResultsAsync(bool includeStopped, string groupBy = "encoder")
    {
        var request = new GetResultsRequest { SweepIds = { run.SweepId }, GroupBy = { groupBy }, RankBy = "val_loss", IncludeStopped = includeStopped };
        var client = new ResultsService.ResultsServiceClient(host.Connect(TestCoordinator.ClientToken));
        return ResultConversions.FromProto(await client.GetResultsAsync(request));
    }
}
