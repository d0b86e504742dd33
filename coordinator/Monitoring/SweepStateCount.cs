namespace Orchestrator.Coordinator.Monitoring;

/// <summary>One sweep's jobs in one state; <see cref="Ready"/> of them queued and past any retry backoff.</summary>
public sealed class SweepStateCount
{
    public long SweepId { get; init; }

    public string StateLabel { get; init; } = "";

    public long Jobs { get; init; }

    public long Ready { get; init; }
}
