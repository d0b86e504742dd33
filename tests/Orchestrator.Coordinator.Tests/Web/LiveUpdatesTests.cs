using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.Coordinator.Web;
using Orchestrator.Protos;
using Orchestrator.Shared.Metrics;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Web;

/// <summary>
/// The sweep page's live updates over HTTP, read as a browser's EventSource reads them: job state changes and epochs
/// made through the workers' gRPC arrive as events, a Last-Event-ID resumes exactly after the last event received
/// (also on a new coordinator after a restart), and the stream, the script and the pages keep the dashboard's rules.
/// </summary>
public sealed partial class LiveUpdatesTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    private const string ViewerToken = "test-viewer-token";

    [Fact]
    public async Task State_changes_and_epochs_reported_through_grpc_reach_an_open_page_as_events_with_the_new_counts()
    {
        await using var host = await StartAsync();
        await TestCoordinator.ClearAsync(database.ConnectionString); // the worker leases any queued job: only this sweep's
        var sweepId = await host.SeedSweepAsync(2, name: "live");
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(ViewerToken);
        await using var stream = await EventStreamReader.OpenAsync(host.Address, browser.Cookies, await StreamOfPageAsync(browser, sweepId));
        var workers = host.Workers();
        var worker = await workers.RegisterAsync("gpu-box-7");

        var first = (await workers.LeaseNowAsync(worker))!;
        var leased = await stream.ReadUntilAsync(seen => seen.Any(e => e.Name == "counts" && Count(e, "running") == 1));
        await workers.ReportProgressAsync(Progress(first.Token(worker), epoch: 1, trainLoss: 2.5, valLoss: 2.75));
        var reported = await stream.ReadUntilAsync(seen => seen.Any(e => e.Name == "epoch"));
        await workers.CompleteJobAsync(new CompleteJobRequest { Lease = first.Token(worker), Metrics = { [MetricCatalog.TrainLoss.Key] = 2.0 } });
        var second = (await workers.LeaseNowAsync(worker))!;
        await workers.FailJobAsync(new FailJobRequest { Lease = second.Token(worker), Error = "CUDA out of memory", Retryable = false });
        // Counts are read after the changes of a poll, so they may come a poll before the last change: wait for both.
        var ended = await stream.ReadUntilAsync(seen => seen.Any(e => e.Name == "counts" && e.Data.GetProperty("finished").GetInt32() == 2)
            && seen.Any(e => e.Name == "job" && e.Data.GetProperty("state").GetString() == "failed"));

        var running = Assert.Single(leased, e => e.Name == "job" && e.Data.GetProperty("job").GetInt64() == first.JobId && e.Data.GetProperty("state").GetString() == "running");
        Assert.Equal(1, running.Data.GetProperty("attempt").GetInt32());
        Assert.Equal(3, running.Data.GetProperty("max_attempts").GetInt32());
        Assert.Equal("gpu-box-7", running.Data.GetProperty("worker").GetString());
        Assert.NotNull(running.Id);

        var epoch = Assert.Single(reported, e => e.Name == "epoch");
        Assert.Equal(first.JobId, epoch.Data.GetProperty("job").GetInt64());
        Assert.Equal(1, epoch.Data.GetProperty("epoch").GetInt32());
        Assert.Equal(2.5, epoch.Data.GetProperty("train_loss").GetDouble());
        Assert.Equal(2.75, epoch.Data.GetProperty("val_loss").GetDouble());
        Assert.NotNull(epoch.Id);

        var states = ended.Where(e => e.Name == "job").Select(e => (e.Data.GetProperty("job").GetInt64(), e.Data.GetProperty("state").GetString())).ToList();
        Assert.Equal([(first.JobId, "succeeded"), (second.JobId, "running"), (second.JobId, "failed")], states);
        var failed = ended.Last(e => e.Name == "job");
        Assert.Equal("CUDA out of memory", failed.Data.GetProperty("error").GetString());
        var counts = ended.Last(e => e.Name == "counts");
        Assert.Null(counts.Id); // counts are not a position: the browser's Last-Event-ID stays the last job or epoch event's
        Assert.Equal(2, counts.Data.GetProperty("total").GetInt32());
        Assert.Equal(1, Count(counts, "succeeded"));
        Assert.Equal(1, Count(counts, "failed"));
        Assert.Equal(0, Count(counts, "running"));
    }

    [Fact]
    public async Task A_last_event_id_resumes_after_the_last_event_received_on_a_new_coordinator_with_exactly_the_missed_events()
    {
        var first = await StartAsync();
        await TestCoordinator.ClearAsync(database.ConnectionString); // the worker leases any queued job: only this sweep's
        var sweepId = await first.SeedSweepAsync(3, name: "restarted");
        using var browser = new DashboardClient(first);
        await browser.LoginAsync(ViewerToken);
        var session = browser.Cookies.GetCookies(first.Address)[DashboardSession.CookieName]!.Value;
        var workers = first.Workers();
        var worker = await workers.RegisterAsync("gpu-box-1");
        var a = (await workers.LeaseNowAsync(worker))!;
        var pageUrl = await StreamOfPageAsync(browser, sweepId);
        await using var before = await EventStreamReader.OpenAsync(first.Address, browser.Cookies, pageUrl);
        await workers.ReportProgressAsync(Progress(a.Token(worker), epoch: 1, trainLoss: 3.0, valLoss: 3.5));
        var seenBefore = await before.ReadUntilAsync(seen => seen.Any(e => e.Name == "epoch"));
        var lastId = seenBefore.Last(e => e.Id is not null).Id!;

        // Missed while the page is away: more changes on this coordinator, then it stops (the page's stream still
        // open) and a new one on the same database makes the last change.
        await workers.ReportProgressAsync(Progress(a.Token(worker), epoch: 2, trainLoss: 2.0, valLoss: 2.5));
        await workers.ReportProgressAsync(Progress(a.Token(worker), epoch: 1, trainLoss: 2.9, valLoss: 3.4)); // the same epoch again: a change
        await workers.CompleteJobAsync(new CompleteJobRequest { Lease = a.Token(worker), Metrics = { [MetricCatalog.TrainLoss.Key] = 2.0 } });
        var b = (await workers.LeaseNowAsync(worker))!;
        await first.DisposeAsync();
        await using var second = await StartAsync();
        await second.Workers().FailJobAsync(new FailJobRequest { Lease = b.Token(worker), Error = "lost the GPU", Retryable = false });

        var from = LivePosition.Parse(lastId)!.Value;
        var missedStates = await TestCoordinator.QueryAsync<(long JobId, string State)>(database.ConnectionString,
            "SELECT job_id, state::text FROM job_events WHERE sweep_id = @sweepId AND (tx, id) > (@tx, @id) ORDER BY tx, id",
            new { sweepId, tx = from.Jobs.Tx, id = from.Jobs.Id });
        var missedEpochs = await TestCoordinator.QueryAsync<(long JobId, int Epoch, double Loss)>(database.ConnectionString,
            "SELECT job_id, epoch, (metrics->>'train_loss')::float8 FROM job_metrics WHERE sweep_id = @sweepId AND (tx, id) > (@tx, @id) ORDER BY tx, id",
            new { sweepId, tx = from.Epochs.Tx, id = from.Epochs.Id });
        var cookies = new CookieContainer();
        cookies.Add(second.Address, new Cookie(DashboardSession.CookieName, session)); // the same session: it is stateless
        await using var after = await EventStreamReader.OpenAsync(second.Address, cookies, $"/sweeps/{sweepId}/events", lastId);
        var resumed = await after.ReadUntilAsync(seen =>
            seen.Count(e => e.Name == "job") >= missedStates.Count && seen.Count(e => e.Name == "epoch") >= missedEpochs.Count && seen.Any(e => e.Name == "counts"));

        Assert.Contains(seenBefore, e => e.Name == "epoch" && e.Data.GetProperty("job").GetInt64() == a.JobId);
        Assert.Equal([(a.JobId, "succeeded"), (b.JobId, "running"), (b.JobId, "failed")], missedStates);
        Assert.Equal([(a.JobId, 2, 2.0), (a.JobId, 1, 2.9)], missedEpochs);
        Assert.Equal(missedStates, resumed.Where(e => e.Name == "job").Select(e => (e.Data.GetProperty("job").GetInt64(), e.Data.GetProperty("state").GetString()!)).ToList());
        Assert.Equal(missedEpochs, resumed.Where(e => e.Name == "epoch")
            .Select(e => (e.Data.GetProperty("job").GetInt64(), e.Data.GetProperty("epoch").GetInt32(), e.Data.GetProperty("train_loss").GetDouble())).ToList());
        var counts = resumed.Last(e => e.Name == "counts");
        Assert.Equal((1, 1, 1, 0), (Count(counts, "queued"), Count(counts, "succeeded"), Count(counts, "failed"), Count(counts, "running")));
    }

    [Fact]
    public async Task The_stream_needs_a_session_a_viewer_may_follow_it_and_a_position_it_did_not_send_is_refused()
    {
        await using var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(1, name: "guarded");
        using var anonymous = new DashboardClient(host);
        using var viewer = new DashboardClient(host);
        await viewer.LoginAsync(ViewerToken);

        var (refused, refusal) = await anonymous.GetAsync($"/sweeps/{sweepId}/events");
        var (badAfter, badAfterBody) = await viewer.GetAsync($"/sweeps/{sweepId}/events?after=12.x-3.4");
        var (missing, _) = await viewer.GetAsync($"/sweeps/{sweepId + 1000}/events");
        await using var badLastId = await EventStreamReader.OpenAsync(host.Address, viewer.Cookies, $"/sweeps/{sweepId}/events", "1.2-3", expect: HttpStatusCode.BadRequest);
        await using var followed = await EventStreamReader.OpenAsync(host.Address, viewer.Cookies, $"/sweeps/{sweepId}/events");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("/login", JsonDocument.Parse(refusal).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badAfter.StatusCode);
        Assert.StartsWith("after \"12.x-3.4\" is not a position this stream sent", JsonDocument.Parse(badAfterBody).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.StartsWith("Last-Event-ID \"1.2-3\" is not", JsonDocument.Parse(badLastId.Body).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("text/event-stream", followed.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", followed.Response.Headers.CacheControl?.ToString());
        Assert.Equal(2000, await followed.RetryAsync());
    }

    [Fact]
    public async Task Pages_allow_only_the_dashboards_own_script_which_is_served_as_javascript_and_not_sniffed()
    {
        await using var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(2, name: "scripted");
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(ViewerToken);

        var (page, html) = await browser.GetAsync($"/sweeps/{sweepId}");
        var (list, listHtml) = await browser.GetAsync("/");
        using var anonymous = new DashboardClient(host);
        var (script, source) = await anonymous.GetAsync(LiveEndpoints.ScriptPath);

        foreach (var response in new[] { page, list })
        {
            var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
            Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        }

        foreach (var body in new[] { html, listHtml })
        {
            Assert.Single(ScriptTags().Matches(body));
            Assert.Contains(HtmlPage.ScriptTag, body, StringComparison.Ordinal);
        }

        Assert.Matches($"<main data-sweep-events=\"/sweeps/{sweepId}/events\\?after=[0-9.]+-[0-9.]+\">", html);
        Assert.DoesNotContain("data-sweep-events", listHtml, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(html, "<tr data-job-id=\"\\d+\">"));
        Assert.Contains("<progress id=\"sweep-progress\"", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", string.Join(",", script.Headers.GetValues("X-Content-Type-Options")));
        foreach (var contract in new[] { "data-sweep-events", "data-job-id", "data-field", "sweep-progress", "loss-curves", "live-status" })
        {
            Assert.Contains(contract, source, StringComparison.Ordinal);
        }
    }

    private Task<CoordinatorHost> StartAsync() =>
        TestCoordinator.StartAsync(database.ConnectionString, new Dictionary<string, string?>
        {
            ["Coordinator:Auth:ViewerTokens:0"] = ViewerToken,
            ["Coordinator:Queue:WatchPollInterval"] = "00:00:00.050",
        });

    /// <summary>The event stream the sweep page's script would open: its &lt;main&gt;'s data-sweep-events.</summary>
    private static async Task<string> StreamOfPageAsync(DashboardClient browser, long sweepId)
    {
        var (_, page) = await browser.GetAsync($"/sweeps/{sweepId}");
        return WebUtility.HtmlDecode(LiveStream().Match(page).Groups[1].Value);
    }

    private static ReportProgressRequest Progress(LeaseToken lease, int epoch, double trainLoss, double valLoss) => new()
    {
        Lease = lease,
        Epoch = epoch,
        Step = epoch * 10,
        Metrics = { [MetricCatalog.TrainLoss.Key] = trainLoss, [MetricCatalog.ValLoss.Key] = valLoss },
    };

    private static int Count(ServerEvent counts, string state) => counts.Data.GetProperty("counts").GetProperty(state).GetInt32();

    [GeneratedRegex("<main data-sweep-events=\"([^\"]+)\">")]
    private static partial Regex LiveStream();

    [GeneratedRegex("<script", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTags();
}
