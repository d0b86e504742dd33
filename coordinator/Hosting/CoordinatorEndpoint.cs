namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// The coordinator's one Kestrel endpoint (gRPC over cleartext HTTP/2 or TLS), as configuration keys: `orch serve`,
/// `orch demo`, the in-process host and the tests all set its address through these.
/// </summary>
public static class CoordinatorEndpoint
{
    public const string UrlKey = "Kestrel:Endpoints:Grpc:Url";
    public const string ProtocolsKey = "Kestrel:Endpoints:Grpc:Protocols";

    /// <summary>The settings that serve gRPC on <paramref name="url"/> (port 0: a free port Kestrel picks).</summary>
    public static Dictionary<string, string?> Settings(string url) => new(StringComparer.OrdinalIgnoreCase)
    {
        [UrlKey] = url,
        [ProtocolsKey] = "Http2",
    };
}
