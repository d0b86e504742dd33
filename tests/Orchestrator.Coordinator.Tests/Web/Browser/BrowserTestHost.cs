using Microsoft.Playwright;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.LocalPostgres;

namespace Orchestrator.Coordinator.Tests.Web.Browser;

/// <summary>
/// A coordinator for browser tests: gRPC on one loopback port and the dashboard over HTTP/1.1 on another (browsers do
/// not speak cleartext HTTP/2), both fixed for the host's life so a restart comes back where an open page reconnects.
/// </summary>
internal sealed class BrowserTestHost : IAsyncDisposable
{
    public const string ViewerToken = "test-viewer-token";

    private readonly string connectionString;
    private readonly int grpcPort = LoopbackPort.PickFree();
    private readonly int webPort = LoopbackPort.PickFree();

    private BrowserTestHost(string connectionString) => this.connectionString = connectionString;

    public CoordinatorHost Coordinator { get; private set; } = null!;

    public Uri Web => new($"http://127.0.0.1:{webPort}");

    public static async Task<BrowserTestHost> StartAsync(string connectionString)
    {
        var host = new BrowserTestHost(connectionString);
        await host.StartCoordinatorAsync();
        return host;
    }

    /// <summary>Stops the coordinator as a deployment would and starts a new one on the same ports and database.</summary>
    public async Task StopAsync() => await Coordinator.DisposeAsync();

    public async Task StartCoordinatorAsync() => Coordinator = await TestCoordinator.StartAsync(connectionString, new Dictionary<string, string?>
    {
        [CoordinatorEndpoint.UrlKey] = $"http://127.0.0.1:{grpcPort}",
        [PlainHttpEndpoint.Web.UrlKey] = Web.ToString().TrimEnd('/'),
        [PlainHttpEndpoint.Web.ProtocolsKey] = "Http1",
        ["Coordinator:Auth:ViewerTokens:0"] = ViewerToken,
    });

    /// <summary>A new browser tab (its own cookie jar) at 1280×800, signed in through the login form with <paramref name="token"/>.</summary>
    public async Task<IPage> SignedInPageAsync(IBrowser browser, string token, int width = 1280, int height = 800)
    {
        var page = await NewPageAsync(browser, width, height);
        await page.GotoAsync(new Uri(Web, "/login").ToString());
        await page.FillAsync("input[name=token]", token);
        await page.ClickAsync("button[type=submit]");
        // Signed in once the redirect's response arrives (the session cookie comes with the 303 before it); the tests
        // wait for what they need on each page. Waiting for the page's load event, and later for its DOMContentLoaded,
        // each timed out once at 30 s on a CI machine busy with trainers.
        await page.WaitForURLAsync(new Uri(Web, "/").ToString(), new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
        return page;
    }

    public async Task<IPage> NewPageAsync(IBrowser browser, int width = 1280, int height = 800)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, BaseURL = Web.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000); // navigation on a loaded CI machine; the live-update bounds are the tests' own
        return page;
    }

    public async ValueTask DisposeAsync() => await Coordinator.DisposeAsync();
}
