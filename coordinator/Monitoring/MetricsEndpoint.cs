using Orchestrator.Coordinator.Hosting;

namespace Orchestrator.Coordinator.Monitoring;

/// <summary>
/// The optional second Kestrel endpoint that serves `/metrics` over HTTP/1.1, as configuration keys (`orch serve
/// --metrics-listen`, or Kestrel__Endpoints__Metrics__Url). The gRPC endpoint speaks cleartext HTTP/2 only, which a
/// Prometheus scraper does not; a port of its own also lets an operator open it to the monitoring network alone.
/// It answers `/metrics` and nothing else, without a token: the page holds counts and durations, no secret.
/// </summary>
public static class MetricsEndpoint
{
    public const string UrlKey = "Kestrel:Endpoints:Metrics:Url";
    public const string ProtocolsKey = "Kestrel:Endpoints:Metrics:Protocols";

    /// <summary>The settings that serve `/metrics` on <paramref name="url"/>.</summary>
    public static Dictionary<string, string?> Settings(string url) => new(StringComparer.OrdinalIgnoreCase)
    {
        [UrlKey] = url,
        [ProtocolsKey] = "Http1",
    };

    /// <summary>
    /// The port `/metrics` is served on, or null when no metrics endpoint is configured. The port must be given: the
    /// endpoint is told apart from the gRPC one by it, and a scraper has to be told it anyway.
    /// </summary>
    /// <exception cref="CoordinatorConfigurationException">an address that is not one, or without a fixed port</exception>
    public static int? Port(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var url = configuration[UrlKey];
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException e)
        {
            throw new CoordinatorConfigurationException($"--metrics-listen: '{url}' is not an address to serve on, e.g. http://0.0.0.0:9464 ({e.Message})", e);
        }

        if (address.Port <= 0 || !url.Contains($":{address.Port}", StringComparison.Ordinal))
        {
            throw new CoordinatorConfigurationException(
                $"--metrics-listen {url} ({UrlKey}) has no fixed port: give one, e.g. http://0.0.0.0:9464, and point the Prometheus scrape at it");
        }

        if (configuration[CoordinatorEndpoint.UrlKey] is { } grpc && BindingAddress.Parse(grpc).Port == address.Port)
        {
            throw new CoordinatorConfigurationException(
                $"--metrics-listen {url} uses the port of --listen {grpc}: give /metrics a port of its own (e.g. 9464)");
        }

        return address.Port;
    }
}
