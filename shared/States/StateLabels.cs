using System.Collections.Frozen;

namespace Orchestrator.Shared.States;

/// <summary>
/// The one place job and sweep states meet their labels: the values of the database enums `job_state` and
/// `sweep_state` (coordinator/Storage/Migrations), which are also the words `orch jobs --state` takes.
/// </summary>
public static class StateLabels
{
    private static readonly FrozenDictionary<JobState, string> JobLabels = new Dictionary<JobState, string>
    {
        [JobState.Queued] = "queued",
        [JobState.Running] = "running",
        [JobState.Succeeded] = "succeeded",
        [JobState.Failed] = "failed",
        [JobState.Cancelled] = "cancelled",
        [JobState.LeaseLost] = "lease_lost",
        [JobState.Stopped] = "stopped",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<SweepState, string> SweepLabels = new Dictionary<SweepState, string>
    {
        [SweepState.Active] = "active",
        [SweepState.Cancelled] = "cancelled",
        [SweepState.Finished] = "finished",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, JobState> JobsByLabel =
        JobLabels.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, SweepState> SweepsByLabel =
        SweepLabels.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>Every job state's label, in the enum's order.</summary>
    public static IReadOnlyList<string> JobStateLabels { get; } = [.. Enum.GetValues<JobState>().Select(Label)];

    public static string Label(JobState state) => JobLabels[state];

    public static string Label(SweepState state) => SweepLabels[state];

    /// <summary>The job state a label names, or null for a word that is none.</summary>
    public static JobState? TryToJobState(string label) => JobsByLabel.TryGetValue(label, out var state) ? state : null;

    /// <summary>The job state of a label the database wrote; anything else is a schema the code does not know.</summary>
    public static JobState ToJobState(string label) =>
        TryToJobState(label) ?? throw new ArgumentException($"'{label}' is not a job state; known: {string.Join(", ", JobStateLabels)}", nameof(label));

    public static SweepState ToSweepState(string label) =>
        SweepsByLabel.TryGetValue(label, out var state)
            ? state
            : throw new ArgumentException($"'{label}' is not a sweep state; known: {string.Join(", ", SweepLabels.Values)}", nameof(label));
}
