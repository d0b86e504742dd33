using System.Text.Json;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Web;

/// <summary>One sweep as the dashboard shows it and its API returns it; description and owner come from its spec.</summary>
public sealed record SweepSummary(
    long Id, string Name, string? Description, string? Owner, string State, int JobCount, int Finished,
    IReadOnlyDictionary<string, int> Counts, DateTime CreatedAt, DateTime? FinishedAt)
{
    private static readonly JobState[] Ended = [JobState.Succeeded, JobState.Failed, JobState.Cancelled, JobState.LeaseLost, JobState.Stopped];

    public static SweepSummary From(SweepWithCounts sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var row = sweep.Sweep;
        return new SweepSummary(
            row.Id, row.Name, SpecText(row.Spec, "description"), SpecText(row.Spec, "owner"), StateLabels.Label(row.State), row.JobCount,
            Ended.Sum(s => sweep.Counts.GetValueOrDefault(s)),
            Enum.GetValues<JobState>().ToDictionary(StateLabels.Label, s => sweep.Counts.GetValueOrDefault(s), StringComparer.Ordinal),
            row.CreatedAt, row.FinishedAt);
    }

    /// <summary>A text field of the stored spec (sweeps have no columns of their own for description and owner).</summary>
    private static string? SpecText(string spec, string key)
    {
        using var document = JsonDocument.Parse(spec);
        return document.RootElement.ValueKind == JsonValueKind.Object
               && document.RootElement.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
    }
}
