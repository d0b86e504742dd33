using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Results.Rendering;
using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.Coordinator.Tests.Results;
using Orchestrator.Coordinator.Web;
using Orchestrator.Protos;
using Orchestrator.Shared.Metrics;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Web;

/// <summary>
/// The web dashboard against a real coordinator and PostgreSQL over HTTP: who may see what, the pages' data, the
/// results table and exports against `orch results`, and HTML encoding.
/// </summary>
public sealed partial class DashboardTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    private const string ViewerToken = "test-viewer-token";

    private static readonly string[] AllTokens = [TestCoordinator.ClientToken, TestCoordinator.WorkerToken, ViewerToken];

    [Fact]
    public async Task Without_a_session_the_api_answers_401_and_pages_redirect_to_login_without_data()
    {
        await using var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(3, name: "secret-sweep-name");
        using var browser = new DashboardClient(host);
        browser.Cookies.Add(host.Address, new Cookie("orch_session", "bm90LWEtc2Vzc2lvbg")); // forged: no token has it

        foreach (var path in new[] { "/api/sweeps", $"/api/sweeps/{sweepId}" })
        {
            var (response, body) = await browser.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("/login", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        foreach (var path in new[] { "/", $"/sweeps/{sweepId}", $"/sweeps/{sweepId}/results.csv", "/workers" })
        {
            var (response, _) = await browser.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/login?returnUrl=" + Uri.EscapeDataString(path), response.Headers.Location?.OriginalString);
        }

        var (login, form) = await browser.GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("name=\"token\"", form, StringComparison.Ordinal);
        Assert.All(browser.Bodies, body => Assert.DoesNotContain("secret-sweep-name", body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_worker_token_or_an_unknown_one_cannot_sign_in_and_a_cross_site_login_is_refused()
    {
        await using var host = await StartAsync();
        using var browser = new DashboardClient(host);

        var (worker, workerPage) = await browser.LoginAsync(TestCoordinator.WorkerToken);
        var (unknown, _) = await browser.LoginAsync("not-a-token");
        var (link, _) = await browser.GetAsync($"/login?token={TestCoordinator.WorkerToken}");
        var (crossSite, _) = await browser.PostFormAsync("/login", new Dictionary<string, string> { ["token"] = TestCoordinator.ClientToken }, origin: "https://evil.example");

        Assert.Equal(HttpStatusCode.Forbidden, worker.StatusCode);
        Assert.Contains("worker token", workerPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, link.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.Empty(browser.Cookies.GetCookies(host.Address));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/")).Response.StatusCode);
        AssertNoTokenIn(browser);
    }

    [Fact]
    public async Task A_client_signed_in_sees_a_sweep_submitted_through_grpc_with_its_counts_and_can_log_out()
    {
        await using var host = await StartAsync();
        var submitted = await host.Sweeps().SubmitSweepAsync(new SubmitSweepRequest
        {
            Spec = "name: web-visible\ndescription: three encoders for the dashboard\ndataset: {format: synthetic}\nencoders: [resnet18, resnet50, mobilenet_v2]\nseeds: [0, 1]\n",
        });
        using var browser = new DashboardClient(host);

        var (login, _) = await browser.LoginAsync(TestCoordinator.ClientToken);
        var setCookie = string.Join("\n", login.Headers.GetValues("Set-Cookie"));
        var (sweeps, sweepsPage) = await browser.GetAsync("/");
        var (api, apiBody) = await browser.GetAsync("/api/sweeps");
        var (one, oneBody) = await browser.GetAsync($"/api/sweeps/{submitted.SweepId}?state=queued&encoder=resnet50");

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location?.OriginalString);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, sweeps.StatusCode);
        Assert.Contains($"<a href=\"/sweeps/{submitted.SweepId}\">web-visible</a>", sweepsPage, StringComparison.Ordinal);
        Assert.Contains("three encoders for the dashboard", sweepsPage, StringComparison.Ordinal);
        Assert.Contains("<progress value=\"0\" max=\"6\">", sweepsPage, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        var listed = JsonDocument.Parse(apiBody).RootElement.GetProperty("sweeps").EnumerateArray().Single(s => s.GetProperty("id").GetInt64() == submitted.SweepId);
        Assert.Equal(6, listed.GetProperty("jobCount").GetInt32());
        Assert.Equal(6, listed.GetProperty("counts").GetProperty("queued").GetInt32());
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        var detail = JsonDocument.Parse(oneBody).RootElement;
        Assert.Equal(2, detail.GetProperty("totalJobs").GetInt64());
        Assert.All(detail.GetProperty("jobs").EnumerateArray(), j => Assert.Equal("resnet50", j.GetProperty("encoder").GetString()));

        var (logout, _) = await browser.PostFormAsync("/logout", []);
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/")).Response.StatusCode);
        AssertNoTokenIn(browser);
    }

    [Fact]
    public async Task A_viewer_link_signs_in_once_redirects_without_the_token_and_sees_every_page_but_no_grpc_service()
    {
        await using var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(2, name: "for-viewers");
        await host.Workers().RegisterAsync("gpu-box-1");
        using var browser = new DashboardClient(host);

        var (link, _) = await browser.GetAsync($"/login?token={ViewerToken}&returnUrl=%2Fworkers");
        var (workers, workersPage) = await browser.GetAsync("/workers");
        var (sweeps, sweepsPage) = await browser.GetAsync("/");
        var (sweep, sweepPage) = await browser.GetAsync($"/sweeps/{sweepId}");
        var (api, _) = await browser.GetAsync($"/api/sweeps/{sweepId}");
        var viewerOnGrpc = new SweepService.SweepServiceClient(host.Connect(ViewerToken));

        Assert.Equal(HttpStatusCode.Redirect, link.StatusCode);
        Assert.Equal("/workers", link.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, workers.StatusCode);
        Assert.Matches(@"<td>gpu-box-1</td><td class=""wide"">test</td><td>–</td><td class=""num"">0</td><td>–</td><td><time [^>]+>[^<]+</time><br><span class=""muted"">[0-9-]+ [0-9:]+ UTC</span></td><td class=""state-online"">online</td>", workersPage);
        Assert.Equal(HttpStatusCode.OK, sweeps.StatusCode);
        Assert.Contains("for-viewers", sweepsPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, sweep.StatusCode);
        Assert.Equal(2, JobRows().Count(sweepPage));
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, await TestCoordinator.CodeOfAsync(async () => await viewerOnGrpc.ListSweepsAsync(new ListSweepsRequest())));
        AssertNoTokenIn(browser);
    }

    [Fact]
    public async Task The_results_table_equals_orch_results_csv_cell_by_cell_and_the_exports_are_the_clis_bytes()
    {
        await using var host = await StartAsync();
        long sweepId;
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            sweepId = await StoredRows.InsertSweepAsync(connection, "compared", 5);
            var seed = 0;
            foreach (var (encoder, r1, latency) in new[] { ("resnet18", 0.31, 4.5), ("resnet18", 0.35, 4.7), ("resnet50", 0.42, 9.1), ("resnet50", 0.40, 9.6) })
            {
                var result = string.Create(CultureInfo.InvariantCulture,
                    $"{{\"{MetricCatalog.TextToImageR1.Key}\": {r1}, \"{MetricCatalog.LatencyMs.Key}\": {latency}, \"{MetricCatalog.ParamsTotal.Key}\": {(encoder == "resnet18" ? 11_700_000 : 25_600_000)}, \"{MetricCatalog.TrainLoss.Key}\": {1.5 - r1}}}");
                await StoredRows.InsertJobAsync(connection, sweepId, $"k{seed}", encoder, $"{{\"encoder\": \"{encoder}\", \"seed\": {seed++}}}", result);
            }

            await StoredRows.InsertJobAsync(connection, sweepId, "k-failed", "mobilenet_v2", "{\"encoder\": \"mobilenet_v2\", \"seed\": 9}", result: null);
        }

        using var browser = new DashboardClient(host);
        await browser.LoginAsync(TestCoordinator.ClientToken);
        var (_, page) = await browser.GetAsync($"/sweeps/{sweepId}");

        var csv = await OrchResultsCli.WriteAsync(host, sweepId, "csv");
        Assert.Equal(csv, await browser.GetBytesAsync($"/sweeps/{sweepId}/results.csv"));
        Assert.Equal(await OrchResultsCli.WriteAsync(host, sweepId, "md"), await browser.GetBytesAsync($"/sweeps/{sweepId}/results.md"));
        Assert.Equal(await OrchResultsCli.WriteAsync(host, sweepId, "latex"), await browser.GetBytesAsync($"/sweeps/{sweepId}/results.tex"));

        var records = System.Text.Encoding.UTF8.GetString(csv).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(',')).ToList();
        var header = records[0];
        var table = Regex.Match(page, "<table class=\"results\">(.*?)</table>", RegexOptions.Singleline).Groups[1].Value;
        var rows = Regex.Matches(table, "<tr>(.*?)</tr>", RegexOptions.Singleline)
            .Select(r => Regex.Matches(r.Groups[1].Value, "<t[dh]>(.*?)</t[dh]>", RegexOptions.Singleline).Select(c => WebUtility.HtmlDecode(c.Groups[1].Value)).ToList())
            .ToList();
        Assert.Equal(records.Count, rows.Count); // heading + one row per group, in the same order
        Assert.Equal(3, rows.Count - 1);
        for (var i = 1; i < records.Count; i++)
        {
            var expected = header.Zip(records[i]).ToDictionary(p => p.First, p => p.Second);
            var cells = rows[i];
            var (jobs, succeeded) = (expected["jobs"], expected["succeeded"]);
            Assert.Equal(expected["encoder"], cells[0]);
            Assert.Equal(jobs == succeeded ? $"{succeeded}/{jobs}" : $"{succeeded}/{jobs} done", cells[1]);
            for (var m = 0; m < TableLayout.Full.Metrics.Count; m++)
            {
                var metric = TableLayout.Full.Metrics[m];
                Assert.Equal(OrchResultsCli.Shown(metric, expected[metric.Key + "_mean"], expected[metric.Key + "_std"]), cells[2 + m]);
            }

            Assert.Equal(expected["pareto"].Length == 0, cells[^1].Length == 0);
        }

        Assert.Equal(5, JobRows().Count(page));
        AssertNoTokenIn(browser);
    }

    [Fact]
    public async Task A_sweep_named_like_a_script_is_shown_as_text_everywhere()
    {
        const string name = "<script>alert(1)</script>";
        await using var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(1, name: name);
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(ViewerToken);

        var (_, list) = await browser.GetAsync("/");
        var (_, sweep) = await browser.GetAsync($"/sweeps/{sweepId}?encoder=%3Cb%3E&sort=%22%3E%3Cscript%3E");

        foreach (var page in new[] { list, sweep })
        {
            Assert.DoesNotContain("<script", page.Replace(HtmlPage.ScriptTag, "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("<b>", sweep, StringComparison.Ordinal);
        AssertNoTokenIn(browser);
    }

    [Fact]
    public async Task The_jobs_table_filters_by_state_and_sorts_by_a_column_from_the_query_string()
    {
        await using var host = await StartAsync();
        long sweepId;
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            sweepId = await StoredRows.InsertSweepAsync(connection, "sorted", 4);
            foreach (var (key, r1) in new[] { ("a", 0.2), ("b", 0.6), ("c", 0.4) })
            {
                await StoredRows.InsertJobAsync(connection, sweepId, key, "resnet18", "{\"encoder\": \"resnet18\"}",
                    string.Create(CultureInfo.InvariantCulture, $"{{\"{MetricCatalog.TextToImageR1.Key}\": {r1}}}"));
            }

            await StoredRows.InsertJobAsync(connection, sweepId, "d", "resnet18", "{\"encoder\": \"resnet18\"}", result: null);
        }

        using var browser = new DashboardClient(host);
        await browser.LoginAsync(TestCoordinator.ClientToken);
        var (_, sorted) = await browser.GetAsync($"/sweeps/{sweepId}?state=succeeded&sort=r1&dir=desc");
        var (_, failed) = await browser.GetAsync($"/sweeps/{sweepId}?state=failed");

        var recalls = Regex.Matches(sorted, @"<td class=""state-succeeded"" data-field=""state"">succeeded</td><td class=""num"" data-field=""attempt"">1/3</td><td class=""num"" data-field=""epoch"">–</td><td class=""num"" data-field=""loss"">[^<]*</td><td class=""num"">([^<]*)</td>")
            .Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["0.6", "0.4", "0.2"], recalls);
        Assert.Single(JobRows().Matches(failed));
        Assert.Contains("CUDA out of memory", failed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_without_tls_uses_an_extra_http1_endpoint_set_by_configuration_alone()
    {
        // Browsers speak HTTP/2 only over TLS; the cleartext gRPC endpoint is HTTP/2 only. The README's local recipe.
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString, new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Web:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Web:Protocols"] = "Http1",
            ["Coordinator:Auth:ViewerTokens:0"] = ViewerToken,
        });
        var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        var web = Assert.Single(addresses, a => a != host.Address);
        var sweepId = await host.SeedSweepAsync(1, name: "over-http1");
        using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = web };

        var login = await http.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = ViewerToken }));
        var page = await http.GetAsync(new Uri($"/sweeps/{sweepId}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(HttpVersion.Version11, page.Version);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("over-http1", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, (await host.Sweeps().ListSweepsAsync(new ListSweepsRequest())).Sweeps.Count(s => s.Id == sweepId)); // gRPC still on its own endpoint
    }

    [Fact]
    public async Task A_session_ends_when_its_token_is_removed_from_the_tokens_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"orch-tokens-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, "viewer rotating-viewer-token\n");
        try
        {
            await using var host = await TestCoordinator.StartAsync(database.ConnectionString, new Dictionary<string, string?> { ["Coordinator:Auth:TokensFile"] = file });
            using var browser = new DashboardClient(host);
            await browser.LoginAsync("rotating-viewer-token");
            var before = (await browser.GetAsync("/")).Response.StatusCode;

            await File.WriteAllTextAsync(file, "# the viewer token was rotated out\nviewer its-successor-token\n");
            var after = await browser.GetAsync("/");
            var api = await browser.GetAsync("/api/sweeps");

            Assert.Equal(HttpStatusCode.OK, before);
            Assert.Equal(HttpStatusCode.Redirect, after.Response.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, api.Response.StatusCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_sweeps_page_shows_fifty_a_page_newest_first_and_its_links_reach_every_sweep_once()
    {
        await using var host = await StartAsync();
        for (var i = 0; i < SweepsView.PageSize + 1; i++)
        {
            await host.SeedSweepAsync(1, name: $"paged-{i}");
        }

        using var browser = new DashboardClient(host);
        await browser.LoginAsync(ViewerToken);
        var seen = new List<long>();
        var pages = new List<int>();
        string? next = "/";
        while (next is not null)
        {
            var (_, page) = await browser.GetAsync(next);
            var ids = SweepRows().Matches(page).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
            seen.AddRange(ids);
            pages.Add(ids.Count);
            var link = OlderLink().Match(page);
            next = link.Success ? WebUtility.HtmlDecode(link.Groups[1].Value) : null;
        }

        var stored = await TestCoordinator.QueryAsync<long>(database.ConnectionString, "SELECT id FROM sweeps ORDER BY id DESC");
        Assert.Equal(stored, seen);
        Assert.Equal(SweepsView.PageSize, pages[0]);
        Assert.All(pages.SkipLast(1), count => Assert.Equal(SweepsView.PageSize, count));
    }

    private Task<CoordinatorHost> StartAsync() =>
        TestCoordinator.StartAsync(database.ConnectionString, new Dictionary<string, string?> { ["Coordinator:Auth:ViewerTokens:0"] = ViewerToken });

    private static void AssertNoTokenIn(DashboardClient browser) =>
        Assert.All(browser.Bodies, body => Assert.All(AllTokens, token => Assert.DoesNotContain(token, body, StringComparison.Ordinal)));

    [GeneratedRegex(@"<tr><td class=""num""><a href=""/sweeps/(\d+)"">")]
    private static partial Regex SweepRows();

    [GeneratedRegex(@"<a href=""(/\?before=\d+)"">Older sweeps")]
    private static partial Regex OlderLink();

    [GeneratedRegex(@"<tr data-job-id=""\d+""><td class=""num""><a href=""/jobs/\d+"">#\d+</a></td>")]
    private static partial Regex JobRows();
}
