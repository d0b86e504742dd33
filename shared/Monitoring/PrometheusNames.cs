namespace Orchestrator.Shared.Monitoring;

/// <summary>
/// The one catalogue of Prometheus metric and label names the coordinator and the worker agent expose: the code that
/// records them, the acceptance tests that scrape them, and the Grafana dashboard (infra/grafana/orchestrator.json)
/// all use these words, so renaming one here is the change a dashboard must follow.
/// </summary>
public static class PrometheusNames
{
    /// <summary>The scrape path of both processes.</summary>
    public const string ScrapePath = "/metrics";

    // Coordinator: gauges read from the database when scraped (cached for a few seconds).

    /// <summary>Jobs of a sweep in a state (labels sweep, state); active sweeps and those finished recently.</summary>
    public const string Jobs = "orch_jobs";

    /// <summary>Queued jobs whose retry backoff is over: what a free worker would be handed now.</summary>
    public const string QueueDepth = "orch_queue_depth";

    /// <summary>Workers the coordinator counts as online (heard from within the liveness window).</summary>
    public const string WorkersOnline = "orch_workers_online";

    /// <summary>When the database gauges above were last read (Unix seconds): a stale value means the reads fail.</summary>
    public const string GaugesReadAt = "orch_job_gauges_read_timestamp_seconds";

    // Coordinator: observed where the events are recorded.

    /// <summary>Histogram: from the moment a job could be leased (queued, backoff over) to its lease.</summary>
    public const string LeaseWait = "orch_lease_wait_seconds";

    /// <summary>Histogram: from a lease to the completion of that attempt (CompleteJob accepted).</summary>
    public const string LeaseToComplete = "orch_lease_to_complete_seconds";

    /// <summary>Counter: heartbeats accepted (each extended a current lease).</summary>
    public const string Heartbeats = "orch_heartbeats_total";

    /// <summary>Counter: epoch reports accepted (ReportProgress that recorded an epoch row).</summary>
    public const string EpochsReported = "orch_epochs_reported_total";

    /// <summary>Counter: jobs the sweeps' early-stopping rules stopped (label rule: asha, median), counted when the decision commits.</summary>
    public const string JobsStopped = "orch_jobs_stopped_total";

    /// <summary>The early-stopping rule that stopped a job (asha, median).</summary>
    public const string RuleLabel = "rule";

    /// <summary>Counter: attempts that ended badly, by class (label class, see <see cref="FailureClasses"/>).</summary>
    public const string Failures = "orch_failures_total";

    /// <summary>Counter: job-gauge reads from the database that failed (the gauges then keep their last values).</summary>
    public const string GaugeReadFailures = "orch_job_gauge_read_failures_total";

    // Coordinator: its database pool, from Npgsql's own measurements.

    /// <summary>Histogram: seconds each database command of the coordinator took.</summary>
    public const string DatabaseCallDuration = "orch_db_call_duration_seconds";

    /// <summary>Connections of the coordinator's pool (label state: idle, used).</summary>
    public const string DatabaseConnections = "orch_db_connections";

    /// <summary>Most connections the coordinator's pool may open (Max Pool Size).</summary>
    public const string DatabaseConnectionsMax = "orch_db_connections_max";

    /// <summary>Requests waiting for a free connection of the coordinator's pool.</summary>
    public const string DatabasePendingRequests = "orch_db_pending_requests";

    // Worker agent.

    /// <summary>1 while the slot runs a job, 0 while it waits for one (labels slot, device).</summary>
    public const string SlotBusy = "orch_worker_slot_busy";

    /// <summary>Counter: trainer processes started (label slot).</summary>
    public const string TrainersStarted = "orch_worker_trainers_started_total";

    /// <summary>Counter: trainers started again from an earlier attempt's checkpoint (label slot).</summary>
    public const string TrainerRestarts = "orch_worker_trainer_restarts_total";

    /// <summary>
    /// Training throughput of the slot's trainer, images per second (label slot): its latest step report, so it moves
    /// within an epoch; 0 while the slot is idle.
    /// </summary>
    public const string TrainImagesPerSecond = "orch_worker_train_images_per_second";

    /// <summary>
    /// Memory of the slot's GPU as nvidia-smi reported it at start, bytes (label slot); CUDA slots whose memory is
    /// known only. The memory a trainer uses on the GPU is not measured, so it is not exported.
    /// </summary>
    public const string GpuMemoryTotal = "orch_worker_gpu_memory_total_bytes";

    /// <summary>Counter: epoch reports the agent relayed to a coordinator (label slot).</summary>
    public const string EpochsRelayed = "orch_worker_epochs_relayed_total";

    // Labels.
    public const string SweepLabel = "sweep";
    public const string StateLabel = "state";
    public const string ClassLabel = "class";
    public const string SlotLabel = "slot";
    public const string DeviceLabel = "device";
}
