namespace Orchestrator.Coordinator.Web;

/// <summary>A page of sweeps from /api/sweeps; pass <see cref="NextBefore"/> as `before` for the next one (null: the last page).</summary>
public sealed record SweepsAnswer(IReadOnlyList<SweepSummary> Sweeps, long? NextBefore);
