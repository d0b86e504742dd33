namespace Orchestrator.Shared.Monitoring;

/// <summary>
/// The values of the failures counter's class label. The error texts themselves are free text and would make a
/// label without bound; how an attempt ended is one of these few words.
/// </summary>
public static class FailureClasses
{
    /// <summary>The trainer failed and said trying again may help (FailJob, retryable).</summary>
    public const string Retryable = "retryable";

    /// <summary>The trainer failed for good (FailJob, not retryable).</summary>
    public const string Permanent = "permanent";

    /// <summary>The worker stopped heartbeating and the lease ran out (the lease rescuer ended it).</summary>
    public const string LeaseExpired = "lease_expired";

    /// <summary>The worker registered again after a restart: its running leases ended at once.</summary>
    public const string WorkerRestarted = "worker_restarted";

    /// <summary>Every class, so each series exists (at zero) from the start and a dashboard's rate() sees the first one.</summary>
    public static IReadOnlyList<string> All { get; } = [Retryable, Permanent, LeaseExpired, WorkerRestarted];
}
