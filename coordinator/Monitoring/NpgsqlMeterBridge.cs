using System.Diagnostics.Metrics;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Shared.Monitoring;
using Prometheus;

namespace Orchestrator.Coordinator.Monitoring;

/// <summary>
/// Npgsql's own System.Diagnostics.Metrics measurements of the coordinator's pool, published into the coordinator's
/// registry under names of the catalogue: every database call's duration and the pool's connections, limit and waiting
/// requests, measured by Npgsql with nothing added to the hot path. Npgsql's meter is process-wide and labels each
/// measurement with its pool's name, which for a pool nobody named is its connection string; only the coordinator's
/// pool (<see cref="CoordinatorDatabase.PoolName"/>, unique per coordinator) is taken, and its name is not exported, so no connection string
/// can reach the page.
/// </summary>
public sealed class NpgsqlMeterBridge : IDisposable
{
    private const string NpgsqlMeterName = "Npgsql";
    private const string PoolNameTag = "db.client.connection.pool.name";
    private const string StateTag = "db.client.connection.state";
    private const string OperationDuration = "db.client.operation.duration";
    private const string ConnectionCount = "db.client.connection.count";
    private const string ConnectionMax = "db.client.connection.max";
    private const string PendingRequests = "db.client.connection.npgsql.pending_requests";
    private static readonly HashSet<string> Wanted = [OperationDuration, ConnectionCount, ConnectionMax, PendingRequests];

    // Database calls take from under a millisecond to seconds: 0.5 ms × 2^k up to about 16 s, then +Inf.
    private static readonly double[] DurationBuckets = Histogram.ExponentialBuckets(0.0005, 2, 16);

    private readonly MeterListener listener = new();
    private readonly string poolName;
    private readonly Histogram duration;
    private readonly Gauge connections;
    private readonly Gauge maxConnections;
    private readonly Gauge pendingRequests;

    public NpgsqlMeterBridge(CoordinatorMetrics metrics, CoordinatorDatabase database)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(database);
        poolName = database.PoolName;
        var factory = metrics.Factory;
        duration = factory.CreateHistogram(PrometheusNames.DatabaseCallDuration, "Seconds each database command took, as Npgsql measured it.",
            new HistogramConfiguration { Buckets = DurationBuckets });
        connections = factory.CreateGauge(PrometheusNames.DatabaseConnections, "Connections of the coordinator's pool by state (idle, used).",
            new GaugeConfiguration { LabelNames = [PrometheusNames.StateLabel] });
        maxConnections = factory.CreateGauge(PrometheusNames.DatabaseConnectionsMax, "Most connections the coordinator's pool may open.");
        pendingRequests = factory.CreateGauge(PrometheusNames.DatabasePendingRequests, "Requests waiting for a connection of the coordinator's pool.");

        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NpgsqlMeterName && Wanted.Contains(instrument.Name))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();

        // The pool figures are observable instruments: Npgsql reports them when asked, so ask before each scrape.
        metrics.Registry.AddBeforeCollectCallback(listener.RecordObservableInstruments);
    }

    public void Dispose() => listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? pool = null;
        string? state = null;
        foreach (var (key, tag) in tags)
        {
            if (key == PoolNameTag)
            {
                pool = tag as string;
            }
            else if (key == StateTag)
            {
                state = tag as string;
            }
        }

        if (pool != poolName)
        {
            return; // another pool of the process (a tool's, a test's, another coordinator's): not this coordinator's
        }

        switch (instrument.Name)
        {
            case OperationDuration:
                duration.Observe(value);
                break;
            case ConnectionCount when state is "idle" or "used":
                connections.WithLabels(state).Set(value);
                break;
            case ConnectionMax:
                maxConnections.Set(value);
                break;
            case PendingRequests:
                pendingRequests.Set(value);
                break;
        }
    }
}
