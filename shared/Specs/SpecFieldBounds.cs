namespace Orchestrator.Shared.Specs;

/// <summary>
/// Intervals of the numeric spec fields outside `parameters` (those are in <see cref="ParameterCatalog"/>).
/// Seeds are non-negative: a negative one is almost always a slip, and every seed the study used is small.
/// </summary>
public static class SpecFieldBounds
{
    /// <summary>`count` of method random; the job cap (<see cref="SweepLimits.MaxJobs"/>) applies on top.</summary>
    public static ValueBounds Count { get; } = ValueBounds.Whole(1, 1_000_000);

    /// <summary>`seed` (of the random draw), each of `seeds` and `dataset.split_seed`.</summary>
    public static ValueBounds Seed { get; } = ValueBounds.Whole(0, 1_000_000_000);

    /// <summary>`parallel` of method tpe: trials at once; `count` bounds it too.</summary>
    public static ValueBounds Parallel { get; } = ValueBounds.Whole(1, 10_000);

    public static ValueBounds MaxAttempts { get; } = ValueBounds.Whole(1, 100);

    /// <summary>Higher runs first.</summary>
    public static ValueBounds Priority { get; } = ValueBounds.Whole(-1_000_000, 1_000_000);

    public static ValueBounds ValFraction { get; } = new(0, 1, ExcludesMinimum: true, ExcludesMaximum: true);

    /// <summary>Synthetic images are generated in memory by every job, so their number is bounded.</summary>
    public static ValueBounds SyntheticImages { get; } = ValueBounds.Whole(10, 100_000);

    public static ValueBounds CaptionsPerImage { get; } = ValueBounds.Whole(1, 100);

    /// <summary>`early_stopping`'s epoch counts (grace, max_epochs, min_epochs): the bounds of a job's `epochs`.</summary>
    public static ValueBounds EarlyStoppingEpochs { get; } = ValueBounds.Whole(1, 10_000);

    /// <summary>ASHA's reduction factor: 1 would keep every job, and beyond 100 every rung keeps (almost) none.</summary>
    public static ValueBounds Eta { get; } = new(2, 100) { Note = "one job in eta passes each rung, so eta 1 would stop none" };

    /// <summary>Median stopping's completed jobs before it judges.</summary>
    public static ValueBounds MinCompleted { get; } = ValueBounds.Whole(1, 10_000);
}
