namespace Orchestrator.Coordinator.Monitoring;

/// <summary>What the database gauges show, read in one round trip.</summary>
public sealed record JobCounts(IReadOnlyList<SweepStateCount> BySweepAndState, long WorkersOnline);
