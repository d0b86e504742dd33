using System.Data.Common;
using Microsoft.Extensions.Options;
using Orchestrator.Shared.Monitoring;
using Orchestrator.Shared.States;
using Prometheus;

namespace Orchestrator.Coordinator.Monitoring;

/// <summary>
/// The gauges read from the database when Prometheus scrapes: jobs by sweep and state, queue depth, workers online.
/// One read serves every scrape for <see cref="MetricsOptions.GaugeCacheDuration"/>; a read that fails (the database
/// restarting) leaves the last values, counts the failure and does not fail the scrape, so the counters and
/// histograms still arrive.
/// </summary>
public sealed class JobGauges : IDisposable
{
    private readonly JobCountsQuery query;
    private readonly TimeProvider time;
    private readonly MetricsOptions options;
    private readonly ILogger<JobGauges> logger;
    private readonly Gauge jobs;
    private readonly Gauge queueDepth;
    private readonly Gauge workersOnline;
    private readonly Gauge readAt;
    private readonly Counter readFailures;
    private readonly SemaphoreSlim reading = new(1, 1);
    private HashSet<string> publishedSweeps = [];
    private DateTimeOffset? lastRead;

    public JobGauges(CoordinatorMetrics metrics, JobCountsQuery query, TimeProvider time, IOptions<MetricsOptions> options, ILogger<JobGauges> logger)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        this.query = query;
        this.time = time;
        this.options = options.Value;
        this.logger = logger;
        var factory = metrics.Factory;
        jobs = factory.CreateGauge(PrometheusNames.Jobs, "Jobs by sweep and state (active sweeps, and ended ones for a while after their end).",
            new GaugeConfiguration { LabelNames = [PrometheusNames.SweepLabel, PrometheusNames.StateLabel] });
        queueDepth = factory.CreateGauge(PrometheusNames.QueueDepth, "Queued jobs past any retry backoff: what free workers would be handed now.");
        workersOnline = factory.CreateGauge(PrometheusNames.WorkersOnline, "Workers counted online.");
        readAt = factory.CreateGauge(PrometheusNames.GaugesReadAt, "When the job gauges were last read from the database (Unix seconds).");
        readFailures = factory.CreateCounter(PrometheusNames.GaugeReadFailures, "Reads of the job gauges from the database that failed.");
    }

    /// <summary>Reads the counts again unless the last read is younger than the cache duration (called before each scrape is collected).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await reading.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (lastRead is { } last && now - last < options.GaugeCacheDuration)
            {
                return;
            }

            var counts = await query.ReadAsync(options.FinishedSweepWindow, cancellationToken);
            Publish(counts);
            lastRead = now;
            readAt.Set(now.ToUnixTimeMilliseconds() / 1000.0);
        }
        catch (Exception e) when (e is DbException or TimeoutException)
        {
            readFailures.Inc();
            logger.LogWarning("/metrics: reading the job counts from the database failed ({Message}); the job gauges keep their last values", e.Message);
        }
        finally
        {
            reading.Release();
        }
    }

    /// <summary>Every state of each sweep gets a series (0 included), and a sweep that left the window loses its series.</summary>
    private void Publish(JobCounts counts)
    {
        var bySweep = counts.BySweepAndState.ToLookup(c => c.SweepId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var sweeps = bySweep.Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var sweep in bySweep)
        {
            var byState = sweep.ToDictionary(c => c.StateLabel, c => c.Jobs, StringComparer.Ordinal);
            foreach (var state in StateLabels.JobStateLabels)
            {
                jobs.WithLabels(sweep.Key, state).Set(byState.GetValueOrDefault(state));
            }
        }

        foreach (var gone in publishedSweeps.Where(s => !sweeps.Contains(s)))
        {
            foreach (var state in StateLabels.JobStateLabels)
            {
                jobs.RemoveLabelled(gone, state);
            }
        }

        publishedSweeps = sweeps;
        queueDepth.Set(counts.BySweepAndState.Sum(c => c.Ready));
        workersOnline.Set(counts.WorkersOnline);
    }

    public void Dispose() => reading.Dispose();
}
