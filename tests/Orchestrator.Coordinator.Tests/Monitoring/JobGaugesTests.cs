using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orchestrator.Coordinator.Monitoring;
using Orchestrator.Shared.Monitoring;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Monitoring;

/// <summary>A database that cannot be read must not take the scrape down: the counters still arrive, the failure is counted.</summary>
public sealed class JobGaugesTests
{
    [Fact]
    public async Task An_unreachable_database_fails_the_gauge_read_not_the_scrape()
    {
        var metrics = new CoordinatorMetrics();
        metrics.Heartbeat();
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=nobody;Database=none;Timeout=3");
        using var gauges = new JobGauges(metrics, new JobCountsQuery(unreachable, TimeProvider.System), TimeProvider.System,
            Options.Create(new MetricsOptions()), NullLogger<JobGauges>.Instance);
        metrics.Registry.AddBeforeCollectCallback(gauges.RefreshAsync);

        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        var page = PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));

        Assert.Equal(1, page.Value(PrometheusNames.GaugeReadFailures));
        Assert.Equal(1, page.Value(PrometheusNames.Heartbeats));
        Assert.Empty(page.Series(PrometheusNames.Jobs));
        Assert.Equal(0, page.Value(PrometheusNames.GaugesReadAt)); // never read
    }
}
