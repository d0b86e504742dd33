namespace Orchestrator.Shared.Specs;

/// <summary>Bounds on what one sweep may ask for; a grid beyond <see cref="MaxJobs"/> is a validation error.</summary>
public sealed record SweepLimits(int MaxJobs = 10_000)
{
    public static SweepLimits Default { get; } = new();
}
