namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// An optional Kestrel endpoint beside gRPC's that speaks HTTP/1.1 without TLS, as configuration keys (an `orch serve`
/// option, or Kestrel__Endpoints__NAME__Url). Without TLS the gRPC endpoint speaks HTTP/2 only (Kestrel cannot offer both
/// protocols on one cleartext port), which neither browsers nor Prometheus scrapers speak; a port of its own also lets an
/// operator open each to its own network.
/// </summary>
public sealed record PlainHttpEndpoint(string Name, string Option, string Serves, int ExamplePort, string Use)
{
    /// <summary>`/metrics` for Prometheus, and nothing else, without a token: the page holds counts and durations, no secret.</summary>
    public static readonly PlainHttpEndpoint Metrics = new("Metrics", "--metrics-listen", "/metrics", 9464, "point the Prometheus scrape at it");

    /// <summary>The web dashboard for browsers (sign-in as everywhere; over TLS it shares the gRPC port and needs no endpoint of its own).</summary>
    public static readonly PlainHttpEndpoint Web = new("Web", "--web-listen", "the dashboard", 8080, "open it in a browser");

    public string UrlKey => $"Kestrel:Endpoints:{Name}:Url";

    public string ProtocolsKey => $"Kestrel:Endpoints:{Name}:Protocols";

    /// <summary>The settings that serve this endpoint on <paramref name="url"/>.</summary>
    public Dictionary<string, string?> Settings(string url) => new(StringComparer.OrdinalIgnoreCase)
    {
        [UrlKey] = url,
        [ProtocolsKey] = "Http1",
    };

    /// <summary>
    /// The port this endpoint is served on, or null when it is not configured. The port must be given: the endpoint is
    /// told apart from the gRPC one by it, and whoever connects has to be told it anyway.
    /// </summary>
    /// <exception cref="CoordinatorConfigurationException">an address that is not one, without a fixed port, or gRPC's port</exception>
    public int? Port(IConfiguration configuration)
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
            throw new CoordinatorConfigurationException($"{Option}: '{url}' is not an address to serve on, e.g. http://0.0.0.0:{ExamplePort} ({e.Message})", e);
        }

        if (address.Port <= 0 || !url.Contains($":{address.Port}", StringComparison.Ordinal))
        {
            throw new CoordinatorConfigurationException($"{Option} {url} ({UrlKey}) has no fixed port: give one, e.g. http://0.0.0.0:{ExamplePort}, and {Use}");
        }

        if (configuration[CoordinatorEndpoint.UrlKey] is { } grpc && BindingAddress.Parse(grpc).Port == address.Port)
        {
            throw new CoordinatorConfigurationException($"{Option} {url} uses the port of --listen {grpc}: give {Serves} a port of its own (e.g. {ExamplePort})");
        }

        return address.Port;
    }
}
