using Orchestrator.Coordinator.Hosting;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// How `orch demo` configures its in-process coordinator: gRPC on one loopback port, and the web dashboard on a second
/// one over HTTP/1.1, because browsers do not speak the cleartext HTTP/2 the gRPC endpoint serves. The demo's tokens
/// are made up per run; the link it prints signs in with a read-only viewer token, so a shared screen shows no token
/// that can submit or cancel.
/// </summary>
public sealed record DemoCoordinator(string ConnectionString, int GrpcPort, int WebPort, string ClientToken, string WorkerToken, string ViewerToken)
{
    /// <summary>Signs in once and lands on the sweeps page; the coordinator then redirects to a URL without the token.</summary>
    public Uri DashboardLink => new($"http://127.0.0.1:{WebPort}/login?token={Uri.EscapeDataString(ViewerToken)}");

    public Dictionary<string, string?> Settings() => new()
    {
        ["ConnectionStrings:Orchestrator"] = ConnectionString,
        [CoordinatorEndpoint.UrlKey] = $"http://127.0.0.1:{GrpcPort}",
        [PlainHttpEndpoint.Web.UrlKey] = $"http://127.0.0.1:{WebPort}",
        [PlainHttpEndpoint.Web.ProtocolsKey] = "Http1",
        ["Coordinator:Auth:WorkerToken"] = WorkerToken,
        ["Coordinator:Auth:ClientToken"] = ClientToken,
        ["Coordinator:Auth:ViewerTokens:0"] = ViewerToken,
        ["Coordinator:Queue:HeartbeatInterval"] = "00:00:02",
        ["Coordinator:Queue:LeaseDuration"] = "00:01:00",
        ["Coordinator:Queue:RetryBackoffBase"] = "00:00:01",
        ["Coordinator:Scheduler:SweepCompletionInterval"] = "00:00:01",
        // The demo shows the sweep's progress; the coordinator's own log would drown it.
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
    };
}
