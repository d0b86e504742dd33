namespace Orchestrator.Coordinator.Monitoring;

/// <summary>The Prometheus endpoint's database gauges (section `Coordinator:Metrics`).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Coordinator:Metrics";

    /// <summary>
    /// How long one read of the job counts serves scrapes: several Prometheus servers (or a dashboard reloading) cost
    /// the database one GROUP BY per period, not one per scrape.
    /// </summary>
    public TimeSpan GaugeCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A finished or cancelled sweep keeps its job series this long after it ended, so the last scrapes see its final
    /// counts; after that its series go away and the sweep label stays bounded by the sweeps that matter now.
    /// </summary>
    public TimeSpan FinishedSweepWindow { get; set; } = TimeSpan.FromHours(1);
}
