using System.Net;
using Grpc.Core;
using Orchestrator.Coordinator.Cli;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.LocalPostgres;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Cli;

/// <summary>The coordinator `orch demo` starts: the dashboard link it prints works in a browser while gRPC serves the agents.</summary>
public sealed class DemoCoordinatorTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    [Fact]
    public async Task The_printed_link_signs_a_browser_in_read_only_over_http1_while_grpc_keeps_its_own_port()
    {
        var demo = new DemoCoordinator(database.ConnectionString, LoopbackPort.PickFree(), LoopbackPort.PickFree(), "demo-client", "demo-worker", "demo-viewer");
        await using var host = await CoordinatorHost.StartAsync(demo.Settings());
        using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false });

        var login = await browser.GetAsync(demo.DashboardLink);
        var landing = login.Headers.Location!;
        var page = await browser.GetAsync(new Uri(demo.DashboardLink, landing));
        var body = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.DoesNotContain("token", landing.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpVersion.Version11, page.Version);
        Assert.DoesNotContain("demo-viewer", body, StringComparison.Ordinal);
        Assert.Equal(new Uri($"http://127.0.0.1:{demo.GrpcPort}"), host.Address);
        Assert.NotNull(await new SweepService.SweepServiceClient(host.Connect(demo.ClientToken)).ListSweepsAsync(new ListSweepsRequest()));
        // The link's token is a viewer's: it can look, not submit or cancel.
        var denied = await Assert.ThrowsAsync<RpcException>(async () => await new SweepService.SweepServiceClient(host.Connect(demo.ViewerToken)).ListSweepsAsync(new ListSweepsRequest()));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }
}
