using Microsoft.Extensions.Configuration;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Monitoring;

namespace Orchestrator.Coordinator.Tests.Monitoring;

/// <summary>`--metrics-listen` is checked before anything is served: an address with a port of its own, or none at all.</summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public void No_metrics_address_serves_no_metrics()
    {
        Assert.Null(MetricsEndpoint.Port(Configuration(null)));
    }

    [Fact]
    public void A_fixed_port_is_the_port_metrics_are_served_on()
    {
        Assert.Equal(9464, MetricsEndpoint.Port(Configuration("http://0.0.0.0:9464")));
    }

    [Theory]
    [InlineData("http://0.0.0.0:0", "no fixed port")]
    [InlineData("http://0.0.0.0", "no fixed port")]
    [InlineData("http://127.0.0.1:50051", "port of its own")]
    [InlineData("not an address:x", "is not an address")]
    public void A_metrics_address_without_a_port_of_its_own_is_refused_with_what_to_give(string url, string reason)
    {
        var error = Assert.Throws<CoordinatorConfigurationException>(() => MetricsEndpoint.Port(Configuration(url)));

        Assert.Contains("--metrics-listen", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(string? metricsUrl)
    {
        var settings = CoordinatorEndpoint.Settings("http://127.0.0.1:50051");
        if (metricsUrl is not null)
        {
            foreach (var (key, value) in MetricsEndpoint.Settings(metricsUrl))
            {
                settings[key] = value;
            }
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }
}
