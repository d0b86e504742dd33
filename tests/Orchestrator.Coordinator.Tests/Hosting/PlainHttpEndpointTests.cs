using Microsoft.Extensions.Configuration;
using Orchestrator.Coordinator.Cli;
using Orchestrator.Coordinator.Hosting;

namespace Orchestrator.Coordinator.Tests.Hosting;

/// <summary>
/// `--metrics-listen` and `--web-listen` are checked before anything is served: an address with a port of its own, or
/// none at all; and `orch serve` says where the dashboard is, or how to get one.
/// </summary>
public sealed class PlainHttpEndpointTests
{
    public static TheoryData<string> Endpoints => [PlainHttpEndpoint.Metrics.Name, PlainHttpEndpoint.Web.Name];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public void No_address_serves_no_endpoint(string name)
    {
        Assert.Null(Named(name).Port(Configuration(Named(name), null)));
    }

    [Fact]
    public void A_fixed_port_is_the_port_the_endpoint_is_served_on()
    {
        Assert.Equal(9464, PlainHttpEndpoint.Metrics.Port(Configuration(PlainHttpEndpoint.Metrics, "http://0.0.0.0:9464")));
        Assert.Equal(8080, PlainHttpEndpoint.Web.Port(Configuration(PlainHttpEndpoint.Web, "http://127.0.0.1:8080")));
    }

    [Theory]
    [InlineData("Metrics", "http://0.0.0.0:0", "no fixed port")]
    [InlineData("Metrics", "http://0.0.0.0", "no fixed port")]
    [InlineData("Metrics", "http://127.0.0.1:50051", "port of its own")]
    [InlineData("Metrics", "not an address:x", "is not an address")]
    [InlineData("Web", "http://127.0.0.1:0", "no fixed port")]
    [InlineData("Web", "http://127.0.0.1:50051", "port of its own")]
    [InlineData("Web", "not an address:x", "is not an address")]
    public void An_address_without_a_port_of_its_own_is_refused_naming_the_option(string name, string url, string reason)
    {
        var endpoint = Named(name);

        var error = Assert.Throws<CoordinatorConfigurationException>(() => endpoint.Port(Configuration(endpoint, url)));

        Assert.Contains(endpoint.Option, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Orch_serve_names_the_dashboard_address_or_how_to_get_one()
    {
        var web = ServeCommand.DashboardAddress(Configuration(PlainHttpEndpoint.Web, "http://127.0.0.1:8080"));
        var tls = ServeCommand.DashboardAddress(new ConfigurationBuilder().AddInMemoryCollection(CoordinatorEndpoint.Settings("https://0.0.0.0:50051")).Build());
        var none = ServeCommand.DashboardAddress(Configuration(PlainHttpEndpoint.Web, null));

        Assert.Equal("orch serve: web dashboard at http://127.0.0.1:8080/ (sign in with a client or viewer token)", web);
        Assert.StartsWith("orch serve: web dashboard at https://0.0.0.0:50051/ (the gRPC port", tls, StringComparison.Ordinal);
        Assert.Contains("--web-listen http://127.0.0.1:8080", none, StringComparison.Ordinal);
    }

    private static PlainHttpEndpoint Named(string name) => name == PlainHttpEndpoint.Web.Name ? PlainHttpEndpoint.Web : PlainHttpEndpoint.Metrics;

    private static IConfiguration Configuration(PlainHttpEndpoint endpoint, string? url)
    {
        var settings = CoordinatorEndpoint.Settings("http://127.0.0.1:50051");
        foreach (var (key, value) in url is null ? [] : endpoint.Settings(url))
        {
            settings[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }
}
