namespace Orchestrator.Coordinator.Hosting;

/// <summary>Where the coordinator keeps its data. Without a connection string it runs an embedded local PostgreSQL.</summary>
public sealed class DatabaseOptions
{
    public const string ConnectionStringName = "Orchestrator";

    /// <summary>From `ConnectionStrings:Orchestrator` (env `ConnectionStrings__Orchestrator`).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Data directory of the embedded PostgreSQL; a per-user default when unset (see <see cref="EmbeddedPostgres"/>).</summary>
    public string? EmbeddedDataDirectory { get; set; }
}

/// <summary>Lease and dispatch timing (section `Coordinator:Queue`).</summary>
public sealed class QueueOptions
{
    public const string Section = "Coordinator:Queue";

    /// <summary>
    /// How long a lease lives without a heartbeat: how long a job whose machine died stays stuck. The agent
    /// heartbeats from its own loop whatever the trainer does (a long GPU epoch, a checkpoint save, data loading), so
    /// the lease only has to outlast a few missed heartbeats and the agent's retry backoff (5 s at most), not an epoch.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>How often workers are told to heartbeat; four of these fit in one default lease.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest LeaseJob wait a worker may ask for.</summary>
    public TimeSpan MaxLeaseWait { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Waiting LeaseJob calls re-check the queue this often even without a notification: it covers jobs
    /// whose retry backoff ends (nothing notifies then) and a listener connection being re-established.
    /// </summary>
    public TimeSpan SafetyRecheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Backoff before a retried attempt: base × 2^(attempt−1), capped at <see cref="RetryBackoffMax"/>.</summary>
    public TimeSpan RetryBackoffBase { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryBackoffMax { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A worker silent for this many heartbeat intervals is marked offline.</summary>
    public int MissedHeartbeatsBeforeOffline { get; set; } = 3;

    /// <summary>Largest sweep one spec may expand to.</summary>
    public int MaxJobsPerSweep { get; set; } = 10_000;

    /// <summary>How often WatchSweep looks for new state changes.</summary>
    public TimeSpan WatchPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>Intervals of the Quartz jobs (section `Coordinator:Scheduler`).</summary>
public sealed class SchedulerOptions
{
    public const string Section = "Coordinator:Scheduler";

    /// <summary>Off in tests that drive the rescuer and friends by hand.</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan LeaseRescuerInterval { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan WorkerLivenessInterval { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan SweepCompletionInterval { get; set; } = TimeSpan.FromSeconds(5);
}
