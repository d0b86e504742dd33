using Microsoft.Playwright;
using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Web.Browser;

/// <summary>
/// An open sweep page in a real browser follows the queue without a reload: job states, epochs on the loss curve, a
/// coordinator restart; and its cancel button works for a client, not for a viewer.
/// </summary>
[Collection(BrowserTestsRunAlone.Name)]
public sealed class LiveDashboardInBrowserTests(IsolatedDatabase database, InstalledChromium chromium)
    : IClassFixture<IsolatedDatabase>, IClassFixture<InstalledChromium>
{
    /// <summary>The acceptance bound: a change in the database is on the page within 2 s.</summary>
    private static readonly LocatorAssertionsToHaveTextOptions WithinTwoSeconds = new() { Timeout = 2_000 };

    [SkippableFact]
    public async Task A_job_state_change_and_a_reported_epoch_reach_the_open_page_within_2_s_without_reload()
    {
        Skip.If(chromium.MissingReason is not null, chromium.MissingReason);
        await using var host = await BrowserTestHost.StartAsync(database.ConnectionString);
        var sweepId = await host.Coordinator.SeedSweepAsync(3, name: "watched-live", priority: 2000); // leased before other tests' queued jobs
        var page = await host.SignedInPageAsync(chromium.Browser, BrowserTestHost.ViewerToken);
        await page.GotoAsync($"/sweeps/{sweepId}");
        await page.EvaluateAsync("() => { window.orchNotReloaded = true; }"); // gone if the page reloads
        var workers = host.Coordinator.Workers();
        var worker = await workers.RegisterAsync("browser-test-worker");
        var curve = page.Locator("#loss-curves");
        var epochsBefore = int.Parse(await curve.GetAttributeAsync("data-epochs") ?? "-1", System.Globalization.CultureInfo.InvariantCulture);

        var job = await workers.LeaseNowAsync(worker) ?? throw new InvalidOperationException("nothing to lease");
        await Assertions.Expect(page.Locator($"tr[data-job-id=\"{job.JobId}\"] [data-field=\"state\"]")).ToHaveTextAsync("running", WithinTwoSeconds);

        await workers.ReportProgressAsync(new ReportProgressRequest
        {
            Lease = job.Token(worker), Epoch = 1, Step = 10, Metrics = { ["train_loss"] = 2.5, ["val_loss"] = 2.7 },
        });
        await Assertions.Expect(curve).ToHaveAttributeAsync("data-epochs", (epochsBefore + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            new LocatorAssertionsToHaveAttributeOptions { Timeout = 2_000 });
        // The script reloads the plot at most once a second, so a burst of epochs loads it once.
        await Assertions.Expect(page.Locator("#loss-curves img")).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex($"[?&]v={epochsBefore + 1}$"),
            new LocatorAssertionsToHaveAttributeOptions { Timeout = 2_000 });
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('#loss-curves img'); return i.complete && i.naturalWidth > 0; }");
        await Screenshots.TakeAsync(page, "sweep-live");

        Assert.Equal(0, epochsBefore);
        Assert.True(await page.EvaluateAsync<bool>("() => window.orchNotReloaded === true"), "the page reloaded");
    }

    [SkippableFact]
    public async Task Cancel_from_the_page_cancels_the_sweep_and_a_viewer_sees_no_cancel_and_cannot_post_one()
    {
        Skip.If(chromium.MissingReason is not null, chromium.MissingReason);
        await using var host = await BrowserTestHost.StartAsync(database.ConnectionString);
        var sweepId = await host.Coordinator.SeedSweepAsync(3, name: "cancelled-from-a-browser", priority: 1000);
        var workers = host.Coordinator.Workers();
        var running = await workers.LeaseNowAsync(await workers.RegisterAsync("cancel-test")) ?? throw new InvalidOperationException("nothing to lease");

        var viewer = await host.SignedInPageAsync(chromium.Browser, BrowserTestHost.ViewerToken);
        await viewer.GotoAsync($"/sweeps/{sweepId}");
        var viewerForms = await viewer.Locator("form[action$=\"/cancel\"], form[action$=\"/retry\"]").CountAsync();
        // A viewer's own POST, a form the browser submits with its cookie and same-origin headers: refused, nothing changes.
        var viewerPost = await viewer.RunAndWaitForResponseAsync(
            () => viewer.EvaluateAsync(
                "id => { const f = document.createElement('form'); f.method = 'post'; f.action = `/sweeps/${id}/cancel`; document.body.append(f); f.submit(); }",
                sweepId),
            response => response.Url.EndsWith("/cancel", StringComparison.Ordinal));
        var viewerAnswer = await viewerPost.TextAsync();
        var statesAfterViewer = await StatesAsync(sweepId);

        var client = await host.SignedInPageAsync(chromium.Browser, TestCoordinator.ClientToken);
        await client.GotoAsync($"/sweeps/{sweepId}");
        await client.ClickAsync("details.confirm summary");
        await Screenshots.TakeAsync(client, "sweep-cancel-confirm");
        await client.ClickAsync($"form[action=\"/sweeps/{sweepId}/cancel\"] button[type=submit]");
        await client.WaitForSelectorAsync(".outcome");
        var outcome = await client.InnerTextAsync(".outcome");
        await Screenshots.TakeAsync(client, "sweep-cancelled");

        Assert.Equal(0, viewerForms);
        Assert.Equal(403, viewerPost.Status);
        Assert.Contains("read-only", viewerAnswer, StringComparison.Ordinal);
        Assert.Equal(["queued", "queued", "running"], statesAfterViewer.Select(s => s.State).Order().ToArray());
        var states = await StatesAsync(sweepId);
        Assert.Equal(["cancelled", "cancelled", "running"], states.Select(s => s.State).Order().ToArray());
        Assert.True(states.Single(s => s.Id == running.JobId).CancelRequested, "the running job was not asked to stop");
        Assert.Contains("2", outcome, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task An_open_page_says_the_coordinator_is_offline_and_catches_up_after_a_restart()
    {
        Skip.If(chromium.MissingReason is not null, chromium.MissingReason);
        await using var host = await BrowserTestHost.StartAsync(database.ConnectionString);
        var sweepId = await host.Coordinator.SeedSweepAsync(2, name: "across-a-restart", priority: 3000);
        var page = await host.SignedInPageAsync(chromium.Browser, TestCoordinator.ClientToken);
        await page.GotoAsync($"/sweeps/{sweepId}");
        await page.EvaluateAsync("() => { window.orchNotReloaded = true; }");

        await host.StopAsync();
        await Assertions.Expect(page.Locator("#live-status")).ToContainTextAsync("unreachable", new LocatorAssertionsToContainTextOptions { Timeout = 10_000 });
        await Screenshots.TakeAsync(page, "sweep-offline");
        await host.StartCoordinatorAsync();
        var workers = host.Coordinator.Workers();
        var job = await workers.LeaseNowAsync(await workers.RegisterAsync("after-restart")) ?? throw new InvalidOperationException("nothing to lease");

        await Assertions.Expect(page.Locator($"tr[data-job-id=\"{job.JobId}\"] [data-field=\"state\"]")).ToHaveTextAsync("running",
            new LocatorAssertionsToHaveTextOptions { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#live-status")).ToContainTextAsync("reconnected");
        Assert.True(await page.EvaluateAsync<bool>("() => window.orchNotReloaded === true"), "the page reloaded");
    }

    private async Task<List<(long Id, string State, bool CancelRequested)>> StatesAsync(long sweepId) =>
        await TestCoordinator.QueryAsync<(long, string, bool)>(database.ConnectionString,
            "SELECT id, state::text, cancel_requested FROM jobs WHERE sweep_id = @sweepId ORDER BY id", new { sweepId });
}
