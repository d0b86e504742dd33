using System.Net;
using System.Text.RegularExpressions;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.Coordinator.Web;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Web;

/// <summary>
/// Cancel and retry from the sweep page against a real coordinator and PostgreSQL: what the forms change in the
/// database, and every POST that must change nothing (no or another session's anti-forgery token, another site, a
/// viewer, no session).
/// </summary>
public sealed partial class SweepActionsTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    private const string ViewerToken = "test-viewer-token";
    private const string OtherClientToken = "test-other-client-token";

    [Fact]
    public async Task A_client_cancels_through_the_form_queued_jobs_end_cancelled_running_ones_are_asked_to_stop_and_the_page_says_so()
    {
        await using var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(5);
        var worker = await host.Workers().RegisterAsync("gpu-1");
        await StoredTransitions.LeaseAsync(database.ConnectionString, sweepId, worker, 2);
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(TestCoordinator.ClientToken);

        var (_, page) = await browser.GetAsync($"/sweeps/{sweepId}");
        var (cancel, _) = await browser.PostFormAsync($"/sweeps/{sweepId}/cancel", new() { [FormToken.FieldName] = TokenIn(page) });
        var (after, outcomePage) = await browser.GetAsync(cancel.Headers.Location!.OriginalString);

        Assert.Contains($"action=\"/sweeps/{sweepId}/cancel\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.SeeOther, cancel.StatusCode);
        Assert.Equal($"/sweeps/{sweepId}?done=cancel&cancelled=3&stopping=2", cancel.Headers.Location.OriginalString);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Contains("Cancelled: 3 queued job(s) cancelled, 2 running job(s) asked to stop at their next heartbeat.", outcomePage, StringComparison.Ordinal);
        Assert.Equal(["cancelled:3:1", "running:2:1"], await JobStatesAsync(sweepId));
        Assert.Equal("cancelled", await TestCoordinator.ScalarAsync<string>(database.ConnectionString, "SELECT state::text FROM sweeps WHERE id = @id", new { id = sweepId }));
    }

    [Fact]
    public async Task Retry_failed_only_requeues_the_failed_jobs_and_leaves_the_cancelled_then_a_plain_retry_requeues_those()
    {
        await using var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(5, maxAttempts: 1);
        var worker = await host.Workers().RegisterAsync("gpu-1");
        await StoredTransitions.EndAsync(database.ConnectionString, await StoredTransitions.LeaseAsync(database.ConnectionString, sweepId, worker, 2), succeeded: false);
        await StoredTransitions.EndAsync(database.ConnectionString, await StoredTransitions.LeaseAsync(database.ConnectionString, sweepId, worker, 1), succeeded: true);
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(TestCoordinator.ClientToken);
        var token = TokenIn((await browser.GetAsync($"/sweeps/{sweepId}")).Body);
        await browser.PostFormAsync($"/sweeps/{sweepId}/cancel", new() { [FormToken.FieldName] = token });

        var (failedOnly, _) = await browser.PostFormAsync($"/sweeps/{sweepId}/retry", new() { [FormToken.FieldName] = token, ["failed_only"] = "true" });
        var statesAfterFailedOnly = await JobStatesAsync(sweepId);
        var (_, outcomePage) = await browser.GetAsync(failedOnly.Headers.Location!.OriginalString);
        await StoredTransitions.EndAsync(database.ConnectionString, await StoredTransitions.LeaseAsync(database.ConnectionString, sweepId, worker, 2), succeeded: false);
        var (all, _) = await browser.PostFormAsync($"/sweeps/{sweepId}/retry", new() { [FormToken.FieldName] = token });

        Assert.Equal(HttpStatusCode.SeeOther, failedOnly.StatusCode);
        Assert.Equal($"/sweeps/{sweepId}?done=retry&failed=2&lease_lost=0&cancelled=0&left=2&failed_only=1", failedOnly.Headers.Location.OriginalString);
        Assert.Equal(["cancelled:2:1", "queued:2:2", "succeeded:1:1"], statesAfterFailedOnly); // state:count:attempt, the retried on a new attempt
        Assert.Contains("Retried: 2 job(s) queued again (2 failed, 0 lease-lost, 0 cancelled), each with fresh attempts. 2 cancelled job(s) left as they are", outcomePage, StringComparison.Ordinal);
        Assert.Equal($"/sweeps/{sweepId}?done=retry&failed=2&lease_lost=0&cancelled=2&left=0&failed_only=0", all.Headers.Location!.OriginalString);
        Assert.Equal(["queued:2:2", "queued:2:3", "succeeded:1:1"], await JobStatesAsync(sweepId));
        Assert.Equal("active", await TestCoordinator.ScalarAsync<string>(database.ConnectionString, "SELECT state::text FROM sweeps WHERE id = @id", new { id = sweepId }));
    }

    [Fact]
    public async Task A_post_without_this_sessions_form_token_or_from_another_site_is_refused_and_changes_nothing()
    {
        await using var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(3);
        using var browser = new DashboardClient(host);
        using var otherClient = new DashboardClient(host);
        await browser.LoginAsync(TestCoordinator.ClientToken);
        await otherClient.LoginAsync(OtherClientToken);
        var token = TokenIn((await browser.GetAsync($"/sweeps/{sweepId}")).Body);
        var othersToken = TokenIn((await otherClient.GetAsync($"/sweeps/{sweepId}")).Body);
        var cancel = $"/sweeps/{sweepId}/cancel";

        var refusals = new[]
        {
            await browser.PostFormAsync(cancel, []),
            await browser.PostFormAsync(cancel, new() { [FormToken.FieldName] = "bm90LXRoZS10b2tlbi1vZi10aGlzLXNlc3Npb24" }),
            await browser.PostFormAsync(cancel, new() { [FormToken.FieldName] = othersToken }),
            await browser.PostFormAsync($"/sweeps/{sweepId}/retry", new() { [FormToken.FieldName] = othersToken }),
            await browser.PostFormAsync(cancel, new() { [FormToken.FieldName] = token }, origin: "https://evil.example"),
            await browser.PostFormAsync(cancel, new() { [FormToken.FieldName] = token }, origin: "null"),
        };

        Assert.NotEqual(token, othersToken);
        Assert.All(refusals, r => Assert.Equal(HttpStatusCode.Forbidden, r.Response.StatusCode));
        Assert.All(refusals[..4], r => Assert.Contains("Reload the sweep's page and try again", WebUtility.HtmlDecode(r.Body), StringComparison.Ordinal));
        Assert.All(refusals[4..], r => Assert.Contains("came from another site", r.Body, StringComparison.Ordinal));
        Assert.Equal(["queued:3:1"], await JobStatesAsync(sweepId));
        Assert.Equal("active", await TestCoordinator.ScalarAsync<string>(database.ConnectionString, "SELECT state::text FROM sweeps WHERE id = @id", new { id = sweepId }));

        var (allowed, _) = await browser.PostFormAsync(cancel, new() { [FormToken.FieldName] = token }, origin: host.Address.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.SeeOther, allowed.StatusCode); // the same token from the dashboard's own origin goes through
    }

    [Fact]
    public async Task A_viewer_sees_no_buttons_and_its_posts_are_refused_and_without_a_session_a_post_leads_to_login()
    {
        await using var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(2, maxAttempts: 1);
        var worker = await host.Workers().RegisterAsync("gpu-1");
        await StoredTransitions.EndAsync(database.ConnectionString, await StoredTransitions.LeaseAsync(database.ConnectionString, sweepId, worker, 1), succeeded: false);
        using var client = new DashboardClient(host);
        using var viewer = new DashboardClient(host);
        using var anonymous = new DashboardClient(host);
        await client.LoginAsync(TestCoordinator.ClientToken);
        await viewer.LoginAsync(ViewerToken);
        var (_, clientPage) = await client.GetAsync($"/sweeps/{sweepId}");
        var token = TokenIn(clientPage);

        var (_, viewerPage) = await viewer.GetAsync($"/sweeps/{sweepId}");
        var (viewerCancel, viewerBody) = await viewer.PostFormAsync($"/sweeps/{sweepId}/cancel", new() { [FormToken.FieldName] = token });
        var (viewerRetry, _) = await viewer.PostFormAsync($"/sweeps/{sweepId}/retry", new() { [FormToken.FieldName] = token });
        var (nobody, _) = await anonymous.PostFormAsync($"/sweeps/{sweepId}/cancel", new() { [FormToken.FieldName] = token });

        Assert.Contains($"action=\"/sweeps/{sweepId}/retry\"", clientPage, StringComparison.Ordinal);
        Assert.DoesNotContain("/cancel\"", viewerPage, StringComparison.Ordinal);
        Assert.DoesNotContain("/retry\"", viewerPage, StringComparison.Ordinal);
        Assert.DoesNotContain(FormToken.FieldName, viewerPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, viewerCancel.StatusCode);
        Assert.Contains("Viewer tokens are read-only", viewerBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, viewerRetry.StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, nobody.StatusCode);
        Assert.Equal($"/login?returnUrl=%2Fsweeps%2F{sweepId}", nobody.Headers.Location?.OriginalString);
        Assert.Equal(["failed:1:1", "queued:1:1"], await JobStatesAsync(sweepId));
    }

    [Fact]
    public async Task The_outcome_line_is_written_from_numbers_so_a_crafted_link_cannot_put_words_on_the_page()
    {
        await using var host = await StartAsync();
        var sweepId = await host.SeedSweepAsync(1);
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(ViewerToken);

        var (_, page) = await browser.GetAsync($"/sweeps/{sweepId}?done=cancel&cancelled=%3Cb%3Eyour+token+expired&stopping=2");
        var (_, other) = await browser.GetAsync($"/sweeps/{sweepId}?done=%3Cscript%3E");

        Assert.Contains("Cancelled: 0 queued job(s) cancelled, 2 running job(s) asked to stop", page, StringComparison.Ordinal);
        Assert.DoesNotContain("expired", page, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"outcome\"", other, StringComparison.Ordinal);
    }

    private Task<CoordinatorHost> StartAsync() =>
        TestCoordinator.StartAsync(database.ConnectionString, new Dictionary<string, string?>
        {
            ["Coordinator:Auth:ViewerTokens:0"] = ViewerToken,
            ["Coordinator:Auth:ClientTokens:0"] = OtherClientToken,
        });

    /// <summary>The sweep's jobs as "state:count:attempt", sorted: what a cancel or retry changed, row by row.</summary>
    private async Task<List<string>> JobStatesAsync(long sweepId) =>
        await TestCoordinator.QueryAsync<string>(database.ConnectionString,
            "SELECT state::text || ':' || count(*) || ':' || attempt FROM jobs WHERE sweep_id = @id GROUP BY state, attempt ORDER BY 1", new { id = sweepId });

    private static string TokenIn(string page) => Assert.Single(FormTokens().Matches(page).Select(m => m.Groups[1].Value).Distinct());

    [GeneratedRegex(@"name=""form_token"" value=""([A-Za-z0-9_-]+)""")]
    private static partial Regex FormTokens();
}
