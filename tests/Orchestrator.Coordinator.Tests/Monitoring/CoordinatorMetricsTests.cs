using Orchestrator.Coordinator.Monitoring;
using Orchestrator.Shared.Monitoring;
using Orchestrator.Shared.States;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Monitoring;

/// <summary>The coordinator's instruments as a scrape shows them: bounded failure classes, histogram counts, own registry.</summary>
public sealed class CoordinatorMetricsTests
{
    [Fact]
    public async Task Every_failure_class_is_exported_at_zero_before_any_failure()
    {
        var page = await ScrapeAsync(new CoordinatorMetrics());

        Assert.Equal(FailureClasses.All.Order(StringComparer.Ordinal), page.Series(PrometheusNames.Failures).Select(s => s.Labels[PrometheusNames.ClassLabel]).Order(StringComparer.Ordinal));
        Assert.All(page.Series(PrometheusNames.Failures), s => Assert.Equal(0, s.Value));
    }

    [Fact]
    public async Task Attempts_ended_by_a_cancel_are_not_failures()
    {
        var metrics = new CoordinatorMetrics();

        metrics.AttemptsEnded(FailureClasses.LeaseExpired, [JobState.Queued, JobState.LeaseLost, JobState.Cancelled]);
        metrics.AttemptsEnded(FailureClasses.Permanent, [JobState.Cancelled]);
        metrics.AttemptsEnded(FailureClasses.Retryable, [JobState.Queued]);

        var page = await ScrapeAsync(metrics);
        Assert.Equal(2, page.Value(PrometheusNames.Failures, (PrometheusNames.ClassLabel, FailureClasses.LeaseExpired)));
        Assert.Equal(0, page.Value(PrometheusNames.Failures, (PrometheusNames.ClassLabel, FailureClasses.Permanent)));
        Assert.Equal(1, page.Value(PrometheusNames.Failures, (PrometheusNames.ClassLabel, FailureClasses.Retryable)));
    }

    [Fact]
    public void A_class_outside_the_bounded_set_is_refused_so_no_error_text_becomes_a_label()
    {
        var metrics = new CoordinatorMetrics();

        var error = Assert.Throws<ArgumentException>(() => metrics.AttemptsEnded("CUDA out of memory on device 0", [JobState.Failed]));

        Assert.Contains("not a failure class", error.Message, StringComparison.Ordinal);
        Assert.Contains(FailureClasses.WorkerRestarted, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Histograms_count_each_observation_and_clamp_a_negative_duration_to_zero()
    {
        var metrics = new CoordinatorMetrics();

        metrics.Leased(TimeSpan.FromMilliseconds(5));
        metrics.Leased(TimeSpan.FromSeconds(-1));
        metrics.Leased(TimeSpan.FromMinutes(10));
        metrics.Completed(TimeSpan.FromSeconds(90));

        var page = await ScrapeAsync(metrics);
        Assert.Equal(3, page.Value(PrometheusNames.LeaseWait + "_count"));
        Assert.Equal(600.005, page.Value(PrometheusNames.LeaseWait + "_sum"), 6);
        Assert.Equal(2, page.Value(PrometheusNames.LeaseWait + "_bucket", ("le", "0.01")));
        Assert.Equal(1, page.Value(PrometheusNames.LeaseToComplete + "_count"));
        Assert.Equal(0, page.Value(PrometheusNames.LeaseToComplete + "_bucket", ("le", "64")));
        Assert.Equal(1, page.Value(PrometheusNames.LeaseToComplete + "_bucket", ("le", "256")));
    }

    [Fact]
    public async Task Two_coordinators_in_one_process_count_apart()
    {
        var first = new CoordinatorMetrics();
        var second = new CoordinatorMetrics();

        first.Heartbeat();
        first.Heartbeat();
        second.EpochReported();

        Assert.Equal(2, (await ScrapeAsync(first)).Value(PrometheusNames.Heartbeats));
        Assert.Equal(0, (await ScrapeAsync(second)).Value(PrometheusNames.Heartbeats));
        Assert.Equal(1, (await ScrapeAsync(second)).Value(PrometheusNames.EpochsReported));
    }

    private static async Task<PrometheusText> ScrapeAsync(CoordinatorMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
