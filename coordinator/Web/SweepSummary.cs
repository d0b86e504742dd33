using System.Text.Json;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Web;

/// <summary>One sweep as the dashboard shows it and its API returns it. There is no owner yet: sweeps do not store one.</summary>
public sealed record SweepSummary(
    long Id, string Name, string? Description, string State, int JobCount, int Finished,
    IReadOnlyDictionary<string, int> Counts, DateTime CreatedAt, DateTime? FinishedAt)
{
    private static readonly JobState[] Ended = [JobState.Succeeded, JobState.Failed, JobState.Cancelled, JobState.LeaseLost];

    public static SweepSummary From(SweepWithCounts sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var row = sweep.Sweep;
        return new SweepSummary(
            row.Id, row.Name, DescriptionOf(row.Spec), StateLabels.Label(row.State), row.JobCount,
            Ended.Sum(s => sweep.Counts.GetValueOrDefault(s)),
            Enum.GetValues<JobState>().ToDictionary(StateLabels.Label, s => sweep.Counts.GetValueOrDefault(s), StringComparer.Ordinal),
            row.CreatedAt, row.FinishedAt);
    }

    /// <summary>The spec's description, stored with it (sweeps have no column of their own for it).</summary>
    private static string? DescriptionOf(string spec)
    {
        using var document = JsonDocument.Parse(spec);
        return document.RootElement.ValueKind == JsonValueKind.Object
               && document.RootElement.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String
            ? description.GetString()
            : null;
    }
}
