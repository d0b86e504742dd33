using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Npgsql;
using Orchestrator.Coordinator.Cli;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.Coordinator.Tests.Results;
using Orchestrator.Coordinator.Web;
using Orchestrator.Protos;
using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Tests.Web;

/// <summary>
/// The dashboard's plots, job page and compare page against a real coordinator: the plot files equal what
/// `orch results --plots` writes, the pages show what the stores hold, bad requests are refused, and names stay text.
/// </summary>
public sealed partial class DashboardTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task The_sweep_plots_are_the_files_orch_results_plots_writes_and_the_page_shows_them_with_the_epoch_count()
    {
        await using var host = await StartAsync();
        var (sweepId, _) = await SeedComparedSweepAsync("plotted", "resnet18", "resnet50");
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(ViewerToken);

        var files = await CliPlotsAsync(host, sweepId);
        var (_, page) = await browser.GetAsync($"/sweeps/{sweepId}");

        // Two cost plots, the sweep's loss curves and one per encoder, each as PNG and SVG.
        Assert.Equal(2 * (2 + 1 + 2), files.Count);
        Assert.Contains($"{MetricCatalog.TextToImageR1.Key}-vs-{MetricCatalog.LatencyMs.Key}.svg", files.Keys);
        Assert.Contains("loss.svg", files.Keys);
        foreach (var (name, bytes) in files)
        {
            var response = await GetAsync(browser, $"/sweeps/{sweepId}/{name}");
            var served = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            if (name.EndsWith(".svg", StringComparison.Ordinal))
            {
                Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal("svg", XDocument.Parse(Encoding.UTF8.GetString(served)).Root!.Name.LocalName);
                Assert.Equal(bytes, served); // byte for byte the CLI's file
            }
            else
            {
                Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal(PngSignature, served[..8]);
                Assert.Equal(bytes, served);
            }
        }

        // Four jobs reported two epochs each: the figure's version is 8.
        Assert.Contains($"<figure id=\"loss-curves\" data-epochs=\"8\"><img src=\"/sweeps/{sweepId}/loss.svg?v=8\" alt=\"", page, StringComparison.Ordinal);
        Assert.Contains($"<img src=\"/sweeps/{sweepId}/{MetricCatalog.TextToImageR1.Key}-vs-{MetricCatalog.ParamsTotal.Key}.svg\"", page, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"/sweeps/{sweepId}/loss.png\" download>PNG</a>", page, StringComparison.Ordinal);
        Assert.Contains("every job that reported one (4)", page, StringComparison.Ordinal);
        Assert.Contains("* latency,params", page, StringComparison.Ordinal); // the Pareto column of the results table
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(browser, $"/sweeps/{sweepId}/loss-vgg11.svg")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(browser, $"/sweeps/{sweepId}/loss.gif")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(browser, "/sweeps/999999/loss.svg")).StatusCode);
    }

    [Fact]
    public async Task A_sweep_larger_than_a_figure_draws_the_same_ten_curves_on_the_web_as_in_the_cli_files()
    {
        await using var host = await StartAsync();
        long sweepId;
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            sweepId = await StoredRows.InsertSweepAsync(connection, "capped", 14);
            for (var i = 0; i < 14; i++)
            {
                var encoder = i < 12 ? "resnet18" : "resnet50"; // 12 of one encoder: over the cap of its own figure too
                var job = await StoredRows.InsertJobAsync(connection, sweepId, $"k{i}", encoder, $"{{\"encoder\": \"{encoder}\", \"seed\": {i}}}", "{}");
                await StoredRows.InsertProgressAsync(connection, job, 1, string.Create(CultureInfo.InvariantCulture, $"{{\"{MetricCatalog.TrainLoss.Key}\": {2.0 + (i / 10.0)}}}"));
            }
        }

        using var browser = new DashboardClient(host);
        await browser.LoginAsync(ViewerToken);
        var files = await CliPlotsAsync(host, sweepId);

        foreach (var name in new[] { "loss.svg", "loss-resnet18.svg", "loss-resnet50.svg", "loss.png" })
        {
            Assert.Equal(files[name], await browser.GetBytesAsync($"/sweeps/{sweepId}/{name}"));
        }

        var overview = Encoding.UTF8.GetString(files["loss.svg"]);
        Assert.Contains("(10 of 14 jobs: the first of each encoder in turn)", overview, StringComparison.Ordinal);
        Assert.Contains("(10 of 12 jobs: the first by job id)", Encoding.UTF8.GetString(files["loss-resnet18.svg"]), StringComparison.Ordinal);
        Assert.Contains("resnet50 seed 13", overview, StringComparison.Ordinal);
        Assert.DoesNotContain("resnet18 seed 8", overview, StringComparison.Ordinal); // resnet18 gets 0..7, resnet50 both of its own
    }

    [Fact]
    public async Task A_job_page_shows_its_parameters_attempts_epochs_result_and_the_error_its_worker_reported()
    {
        await using var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(1, maxAttempts: 3, name: "one-job", priority: 1000); // leased before other tests' queued jobs
        var workers = host.Workers();
        var worker = await workers.RegisterAsync("gpu-7");
        var first = (await workers.LeaseNowAsync(worker))!;
        await ReportAsync(workers, first.Token(worker), epoch: 1, trainLoss: 3.5, valLoss: 3.7);
        await workers.FailJobAsync(new FailJobRequest { Lease = first.Token(worker), Error = "Traceback (most recent call last):\nRuntimeError: CUDA out of memory", Retryable = true });
        var second = (await workers.LeaseNowAsync(worker))!;
        await ReportAsync(workers, second.Token(worker), epoch: 1, trainLoss: 3.4, valLoss: 3.6);
        await ReportAsync(workers, second.Token(worker), epoch: 2, trainLoss: 2.25, valLoss: 2.5);
        var complete = new CompleteJobRequest { Lease = second.Token(worker) };
        complete.Metrics.Add(MetricCatalog.TextToImageR1.Key, 0.42);
        complete.Metrics.Add(MetricCatalog.ParamsTotal.Key, 11_700_000);
        complete.Metrics.Add(MetricCatalog.LatencyMs.Key, 4.5);
        await workers.CompleteJobAsync(complete);
        var jobId = first.JobId;
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(ViewerToken);

        var (response, page) = await browser.GetAsync($"/jobs/{jobId}");
        var (_, api) = await browser.GetAsync($"/api/jobs/{jobId}");
        var (_, sweepPage) = await browser.GetAsync($"/sweeps/{sweepId}");
        var loss = await browser.GetBytesAsync($"/jobs/{jobId}/loss.svg");
        var (missing, missingPage) = await browser.GetAsync("/jobs/999999");
        var (missingApi, _) = await browser.GetAsync("/api/jobs/999999");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<tr><th>encoder</th><td>resnet18</td></tr>", page, StringComparison.Ordinal);
        var states = System.Text.RegularExpressions.Regex.Matches(page, @"<td class=""num"">(\d)</td><td class=""state-(\w+)"">")
            .Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}").ToList();
        Assert.Equal(["1:queued", "1:running", "2:queued", "2:running", "2:succeeded"], states);
        // Who held each lease and what the first attempt failed with, on its own row (the history keeps them per attempt).
        var attempts = System.Text.RegularExpressions.Regex.Matches(page, @"<td class=""state-(\w+)"">\w+</td><td>([^<]*)</td><td class=""error"">([^<]*)</td>")
            .Select(m => (State: m.Groups[1].Value, Worker: m.Groups[2].Value, Error: WebUtility.HtmlDecode(m.Groups[3].Value))).ToList();
        Assert.Equal(
            [("queued", "", ""), ("running", "gpu-7", ""), ("queued", "gpu-7", "Traceback (most recent call last):\nRuntimeError: CUDA out of memory"), ("running", "gpu-7", ""), ("succeeded", "gpu-7", "")],
            attempts);
        Assert.Contains("<figure id=\"job-loss\" data-epochs=\"2\"><img src=\"/jobs/" + jobId + "/loss.svg?v=2\"", page, StringComparison.Ordinal);
        Assert.Contains("<tr><td class=\"num\">1</td><td class=\"num\">2</td><td class=\"num\">10</td><td class=\"num\">3.4000</td><td class=\"num\">3.6000</td>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><td class=\"num\">2</td><td class=\"num\">2</td><td class=\"num\">20</td><td class=\"num\">2.2500</td><td class=\"num\">2.5000</td>", page, StringComparison.Ordinal);
        Assert.Contains("Parameters 11,700,000", page, StringComparison.Ordinal);
        Assert.Contains("latency 4.50 ms", page, StringComparison.Ordinal);
        Assert.Contains("<th>T→I R@1</th><td class=\"num\">0.42</td>", page, StringComparison.Ordinal);
        var error = await TestCoordinator.QueryAsync<string?>(ConnectionString, "SELECT error FROM jobs WHERE id = @id", new { id = jobId });
        Assert.Contains(error[0] is null ? "No log reported." : "RuntimeError: CUDA out of memory</pre>", page, StringComparison.Ordinal);

        var json = JsonDocument.Parse(api).RootElement;
        Assert.Equal(5, json.GetProperty("history").GetArrayLength());
        Assert.Equal([1, 2], json.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("epoch").GetInt32()));
        Assert.Equal(0.42, json.GetProperty("result").GetProperty(MetricCatalog.TextToImageR1.Key).GetDouble());
        Assert.Equal("svg", XDocument.Parse(Encoding.UTF8.GetString(loss)).Root!.Name.LocalName);
        Assert.Contains($"<a href=\"/jobs/{jobId}\">#{jobId}</a>", sweepPage, StringComparison.Ordinal);
        Assert.Contains($"<input type=\"checkbox\" name=\"jobs\" value=\"{jobId}\" form=\"compare\"", sweepPage, StringComparison.Ordinal);
        Assert.Contains("<form id=\"compare\" class=\"compare\" method=\"get\" action=\"/compare\">", sweepPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("Job 999999 does not exist", missingPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missingApi.StatusCode);
        AssertNoTokenIn(browser);
    }

    [Fact]
    public async Task Compare_puts_two_jobs_side_by_side_and_refuses_one_seven_unknown_or_non_numeric_ids()
    {
        await using var host = await StartAsync();
        var (_, jobs) = await SeedComparedSweepAsync("compared-jobs", "resnet18", "resnet50");
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(ViewerToken);
        var (a, b) = (jobs[0], jobs[2]);

        var (listed, page) = await browser.GetAsync($"/compare?jobs={a},{b}");
        var (repeated, repeatedPage) = await browser.GetAsync($"/compare?jobs={a}&jobs={b}");
        var svg = await browser.GetBytesAsync($"/compare/loss.svg?jobs={a},{b}");
        var png = await browser.GetBytesAsync($"/compare/loss.png?jobs={a}&jobs={b}");

        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal(page, repeatedPage);
        Assert.Contains($"<th><a href=\"/jobs/{a}\">#{a}</a> resnet18</th><th><a href=\"/jobs/{b}\">#{b}</a> resnet50</th>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><th>encoder</th><td>resnet18</td><td class=\"differs\">resnet50</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><th>T→I R@1</th><td>0.31</td><td class=\"differs\">0.42</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains($"<img src=\"/compare/loss.svg?jobs={a},{b}\"", page, StringComparison.Ordinal);
        Assert.Equal("svg", XDocument.Parse(Encoding.UTF8.GetString(svg)).Root!.Name.LocalName);
        Assert.Equal(PngSignature, png[..8]);

        var seven = string.Join(",", Enumerable.Range(1, 7));
        foreach (var (query, says) in new[] { ($"{a}", "not 1"), (seven, "not 7"), ($"{a},999999", "no job 999999"), ($"{a},x", "not job ids"), (string.Empty, "not 0") })
        {
            var (refused, body) = await browser.GetAsync($"/compare?jobs={query}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(says, body, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(browser, $"/compare/loss.svg?jobs={query}")).StatusCode);
        }
    }

    [Fact]
    public async Task Plots_job_and_compare_pages_need_a_session()
    {
        await using var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(2, name: "guarded");
        using var browser = new DashboardClient(host);

        foreach (var path in new[] { $"/sweeps/{sweepId}/loss.svg", $"/sweeps/{sweepId}/loss.png", "/jobs/1", "/jobs/1/loss.svg", "/compare?jobs=1,2", "/compare/loss.svg?jobs=1,2" })
        {
            var (response, _) = await browser.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/login?returnUrl=", response.Headers.Location?.OriginalString, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/jobs/1")).Response.StatusCode);
        Assert.All(browser.Bodies, body => Assert.DoesNotContain("guarded", body, StringComparison.Ordinal));

        // Signed in, a sweep and a job that reported nothing yet have empty figures, not broken images.
        await browser.LoginAsync(ViewerToken);
        var jobId = (await TestCoordinator.QueryAsync<long>(ConnectionString, "SELECT min(id) FROM jobs WHERE sweep_id = @sweepId", new { sweepId }))[0];
        foreach (var path in new[] { $"/sweeps/{sweepId}/loss.svg", $"/jobs/{jobId}/loss.svg" })
        {
            Assert.Equal("svg", XDocument.Parse(Encoding.UTF8.GetString(await browser.GetBytesAsync(path))).Root!.Name.LocalName);
        }
    }

    [Fact]
    public async Task A_sweep_and_encoder_named_like_a_script_stay_text_in_the_svg_plots_and_the_job_and_compare_pages()
    {
        const string script = "<script>";
        await using var host = await StartAsync();
        var (sweepId, jobs) = await SeedComparedSweepAsync("<script>alert(1)</script>", script, "resnet50");
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(ViewerToken);

        var svgs = new List<string>();
        foreach (var path in new[] { "loss", SweepPlots.EncoderLossName(script), $"{MetricCatalog.TextToImageR1.Key}-vs-{MetricCatalog.LatencyMs.Key}" })
        {
            var response = await GetAsync(browser, $"/sweeps/{sweepId}/{Uri.EscapeDataString(path)}.svg");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            svgs.Add(await response.Content.ReadAsStringAsync());
        }

        var (_, sweep) = await browser.GetAsync($"/sweeps/{sweepId}");
        var (_, job) = await browser.GetAsync($"/jobs/{jobs[0]}");
        var (_, compare) = await browser.GetAsync($"/compare?jobs={jobs[0]},{jobs[2]}");

        foreach (var svg in svgs)
        {
            Assert.DoesNotContain(XDocument.Parse(svg).Descendants(), e => e.Name.LocalName == "script");
            Assert.DoesNotContain("<script", svg, StringComparison.OrdinalIgnoreCase);
        }

        foreach (var page in new[] { sweep, job, compare })
        {
            Assert.DoesNotContain("<script", page.Replace(HtmlPage.ScriptTag, "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
            Assert.Contains("&lt;script&gt;", page, StringComparison.Ordinal);
        }
    }

    private string ConnectionString => database.ConnectionString;

    /// <summary>
    /// A sweep of two jobs per encoder (seeds 0 and 1), each succeeded with recall, latency and size, and two epochs of
    /// train and validation loss; returns the sweep and its job ids in order.
    /// </summary>
    private async Task<(long SweepId, List<long> Jobs)> SeedComparedSweepAsync(string name, string firstEncoder, string secondEncoder)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        var sweepId = await StoredRows.InsertSweepAsync(connection, name, 4);
        var jobs = new List<long>();
        var seed = 0;
        foreach (var (encoder, r1, latency, size) in new[]
                 {
                     (firstEncoder, 0.31, 4.5, 11_700_000), (firstEncoder, 0.35, 4.7, 11_700_000),
                     (secondEncoder, 0.42, 9.1, 25_600_000), (secondEncoder, 0.40, 9.6, 25_600_000),
                 })
        {
            var result = string.Create(CultureInfo.InvariantCulture,
                $"{{\"{MetricCatalog.TextToImageR1.Key}\": {r1}, \"{MetricCatalog.LatencyMs.Key}\": {latency}, \"{MetricCatalog.ParamsTotal.Key}\": {size}}}");
            var parameters = JsonSerializer.Serialize(new Dictionary<string, object> { ["encoder"] = encoder, ["seed"] = seed, ["head_lr"] = 1e-3 });
            var job = await StoredRows.InsertJobAsync(connection, sweepId, $"k{seed++}", encoder, parameters, result);
            for (var epoch = 1; epoch <= 2; epoch++)
            {
                await StoredRows.InsertProgressAsync(connection, job, epoch, string.Create(CultureInfo.InvariantCulture,
                    $"{{\"{MetricCatalog.TrainLoss.Key}\": {3.0 - epoch + r1}, \"{MetricCatalog.ValLoss.Key}\": {3.2 - epoch + r1}}}"));
            }

            jobs.Add(job);
        }

        return (sweepId, jobs);
    }

    /// <summary>What `orch results SWEEP --plots DIR` writes: file name → bytes.</summary>
    private static async Task<Dictionary<string, byte[]>> CliPlotsAsync(CoordinatorHost host, long sweepId)
    {
        var folder = Directory.CreateTempSubdirectory("orch-web-plots-");
        try
        {
            var exit = await OrchCli.RunAsync(["results", sweepId.ToString(CultureInfo.InvariantCulture), "--plots", folder.FullName, "--format", "csv",
                "--out", Path.Combine(folder.FullName, "table.csv"), "--coordinator", host.Address.ToString(), "--token", TestCoordinator.ClientToken]);
            Assert.True(exit is 0 or 1, $"orch results exited with {exit}");
            return folder.GetFiles().Where(f => f.Extension is ".svg" or ".png").ToDictionary(f => f.Name, f => File.ReadAllBytes(f.FullName));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static Task<HttpResponseMessage> GetAsync(DashboardClient browser, string path) => browser.GetResponseAsync(path);

    private static async Task ReportAsync(WorkerService.WorkerServiceClient workers, LeaseToken lease, int epoch, double trainLoss, double valLoss)
    {
        var report = new ReportProgressRequest { Lease = lease, Epoch = epoch, Step = epoch * 10 };
        report.Metrics.Add(MetricCatalog.TrainLoss.Key, trainLoss);
        report.Metrics.Add(MetricCatalog.ValLoss.Key, valLoss);
        await workers.ReportProgressAsync(report);
    }
}
