using System.Globalization;
using Microsoft.Playwright;
using Npgsql;
using Orchestrator.Coordinator.Cli;
using Orchestrator.Coordinator.Results.Rendering;
using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.Coordinator.Tests.Results;
using Orchestrator.Shared.Metrics;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Web.Browser;

/// <summary>
/// The dashboard in a real browser (Debian's chromium through Playwright) against a real coordinator and PostgreSQL:
/// what a person sees after signing in, submitting from the CLI, and reading the results. Each test leaves screenshots
/// of the pages it visits in <see cref="Screenshots.Folder"/>.
/// </summary>
[Collection(BrowserTestsRunAlone.Name)]
public sealed class DashboardInBrowserTests(IsolatedDatabase database, InstalledChromium chromium)
    : IClassFixture<IsolatedDatabase>, IClassFixture<InstalledChromium>
{
    [SkippableFact]
    public async Task Without_a_token_the_api_answers_401_and_every_page_shows_the_login_form()
    {
        Skip.If(chromium.MissingReason is not null, chromium.MissingReason);
        await using var host = await BrowserTestHost.StartAsync(database.ConnectionString);
        var sweepId = await host.Coordinator.SeedSweepAsync(2, name: "hidden-from-strangers");
        var page = await host.NewPageAsync(chromium.Browser);

        foreach (var path in new[] { "/", $"/sweeps/{sweepId}", "/workers" })
        {
            await page.GotoAsync(path);
            Assert.StartsWith(new Uri(host.Web, "/login").ToString(), page.Url, StringComparison.Ordinal);
            Assert.True(await page.IsVisibleAsync("input[name=token]"), $"{path}: the login form is not shown");
            Assert.DoesNotContain("hidden-from-strangers", await page.ContentAsync(), StringComparison.Ordinal);
        }

        var api = await page.APIRequest.GetAsync("/api/sweeps");
        Assert.Equal(401, api.Status);
        Assert.DoesNotContain("hidden-from-strangers", await api.TextAsync(), StringComparison.Ordinal);
        await Screenshots.TakeAsync(page, "login");
    }

    [SkippableFact]
    public async Task A_sweep_submitted_through_the_cli_appears_on_the_sweeps_page_after_signing_in()
    {
        Skip.If(chromium.MissingReason is not null, chromium.MissingReason);
        await using var host = await BrowserTestHost.StartAsync(database.ConnectionString);
        var page = await host.SignedInPageAsync(chromium.Browser, TestCoordinator.ClientToken);
        var spec = Path.Combine(Path.GetTempPath(), $"browser-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(spec, """
            name: submitted-from-the-cli
            description: two encoders on synthetic shapes
            dataset: {format: synthetic, synthetic_images: 40}
            encoders: [tiny_cnn, resnet18]
            seeds: [0, 1]
            parameters: {epochs: 2, image_size: 32, batch_size: 8}
            """);

        int exit;
        try
        {
            exit = await OrchCli.RunAsync(["submit", spec, "--coordinator", host.Coordinator.Address.ToString(), "--token", TestCoordinator.ClientToken]);
        }
        finally
        {
            File.Delete(spec);
        }

        await page.ReloadAsync();
        var link = page.Locator("a", new PageLocatorOptions { HasTextString = "submitted-from-the-cli" });
        Assert.Equal(0, exit);
        Assert.Equal(1, await link.CountAsync());
        await Screenshots.TakeAsync(page, "sweeps");
        await link.ClickAsync();
        await page.WaitForSelectorAsync("h1");
        Assert.Contains("submitted-from-the-cli", await page.InnerTextAsync("h1"), StringComparison.Ordinal);
        Assert.Equal(4, await page.Locator("table.jobs tbody tr").CountAsync());
        await Screenshots.TakeAsync(page, "sweep-queued");
        await page.SetViewportSizeAsync(390, 844);
        await Screenshots.TakeAsync(page, "sweep-queued-phone");
    }

    [SkippableFact]
    public async Task The_results_table_in_the_browser_equals_orch_results_csv_cell_by_cell()
    {
        Skip.If(chromium.MissingReason is not null, chromium.MissingReason);
        await using var host = await BrowserTestHost.StartAsync(database.ConnectionString);
        var sweepId = await SeedResultsAsync();
        var page = await host.SignedInPageAsync(chromium.Browser, BrowserTestHost.ViewerToken);

        await page.GotoAsync($"/sweeps/{sweepId}");
        var rows = await page.EvalOnSelectorAllAsync<string[][]>("table.results tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))");
        var records = OrchResultsCli.Records(await OrchResultsCli.WriteAsync(host.Coordinator, sweepId, "csv"));
        await Screenshots.TakeAsync(page, "sweep-results");
        await Screenshots.TakeAsync(page, "sweep-results-window", fullPage: false); // what a laptop shows first: the README's picture

        Assert.Equal(records.Count + 1, rows.Length); // the heading, then one row per group in the CSV's order
        Assert.Equal(3, records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var expected = records[i];
            var cells = rows[i + 1];
            Assert.Equal(expected["encoder"], cells[0]);
            for (var m = 0; m < TableLayout.Full.Metrics.Count; m++)
            {
                var metric = TableLayout.Full.Metrics[m];
                Assert.Equal(OrchResultsCli.Shown(metric, expected[metric.Key + "_mean"], expected[metric.Key + "_std"]), cells[2 + m]);
            }
        }
    }

    /// <summary>A finished sweep of 5 jobs: two encoders with two results each and one failed job.</summary>
    private async Task<long> SeedResultsAsync()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        var sweepId = await StoredRows.InsertSweepAsync(connection, "compared-in-a-browser", 5);
        var seed = 0;
        foreach (var (encoder, r1, latency) in new[] { ("resnet18", 0.31, 4.5), ("resnet18", 0.35, 4.7), ("resnet50", 0.42, 9.1), ("resnet50", 0.40, 9.6) })
        {
            var result = string.Create(CultureInfo.InvariantCulture,
                $"{{\"{MetricCatalog.TextToImageR1.Key}\": {r1}, \"{MetricCatalog.LatencyMs.Key}\": {latency}, \"{MetricCatalog.ParamsTotal.Key}\": {(encoder == "resnet18" ? 11_700_000 : 25_600_000)}, \"{MetricCatalog.TrainLoss.Key}\": {1.5 - r1}}}");
            var job = await StoredRows.InsertJobAsync(connection, sweepId, $"k{seed}", encoder, $"{{\"encoder\": \"{encoder}\", \"seed\": {seed++}}}", result);
            for (var epoch = 1; epoch <= 3; epoch++)
            {
                await StoredRows.InsertProgressAsync(connection, job, epoch, string.Create(CultureInfo.InvariantCulture,
                    $"{{\"{MetricCatalog.TrainLoss.Key}\": {2.0 - (0.2 * epoch) - r1}, \"{MetricCatalog.ValLoss.Key}\": {2.1 - (0.15 * epoch) - r1}}}"));
            }
        }

        await StoredRows.InsertJobAsync(connection, sweepId, "k-failed", "mobilenet_v2", "{\"encoder\": \"mobilenet_v2\", \"seed\": 9}", result: null);
        return sweepId;
    }
}
