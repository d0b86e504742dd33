using System.Text.Json;
using Orchestrator.Coordinator.EarlyStopping;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// One job as its page shows it and /api/jobs/{id} returns it: the data of GetJob (the job, its newest epochs within
/// the same limit, its state changes, why early stopping stopped it). JSON columns are passed on as the JSON they hold.
/// </summary>
public sealed record JobAnswer(
    long Id, long SweepId, string Key, string Encoder, string State, int Attempt, int MaxAttempts, string? Worker,
    DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt, JsonElement Parameters,
    IReadOnlyList<JobStateChange> History, IReadOnlyList<JobEpoch> Epochs, int EpochsOmitted, JsonElement? Result, string? Error, JobStop? Stop)
{
    /// <summary>The job, or null when there is none; at most <paramref name="maxEpochs"/> epochs, the newest (GetJob's limit).</summary>
    public static async Task<JobAnswer?> LoadAsync(JobStore jobs, JobStopsQuery stops, long id, int maxEpochs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(stops);
        if (await jobs.GetAsync(id, cancellationToken) is not { } job)
        {
            return null;
        }

        var (epochs, total) = await jobs.ProgressAsync(id, maxEpochs, cancellationToken);
        var events = await jobs.EventsAsync(id, cancellationToken);
        return new JobAnswer(
            job.Id, job.SweepId, job.JobKey, job.Encoder, job.StateLabel, job.Attempt, job.MaxAttempts, job.LeaseOwner,
            job.CreatedAt, job.StartedAt, job.FinishedAt, JsonCells.Parse(job.Params),
            [.. events.Select(e => new JobStateChange(e.Attempt, e.StateLabel, e.RecordedAt, e.WorkerName ?? e.WorkerId, e.Error))],
            [.. epochs.Select(e => new JobEpoch(e.Attempt, e.Epoch, e.Step, e.RecordedAt, JsonCells.Parse(e.Metrics)))],
            total - epochs.Count, job.Result is null ? null : JsonCells.Parse(job.Result), job.Error,
            job.State == JobState.Stopped ? await stops.ForJobAsync(id, cancellationToken) : null);
    }
}

/// <summary>A state the job entered, in which attempt and when (the job_events the database writes on every change).</summary>
public sealed record JobStateChange(int Attempt, string State, DateTime At, string? Worker, string? Error);

/// <summary>One reported epoch: the attempt that produced it, its step, when, and every metric reported with it.</summary>
public sealed record JobEpoch(int Attempt, int Epoch, long Step, DateTime At, JsonElement Metrics);
