using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Storage;

// Rows as the stores read them. Timestamps are UTC DateTime (Npgsql's mapping of timestamptz); JSON columns
// come back as text and enum columns as their label (a `state_label` column), so no type mapping has to be
// registered; StateLabels turns a label into the state it names. Dapper cannot do that itself: it parses enum
// columns by member name and skips type handlers for enums.

/// <summary>Who holds which attempt of a job: the fence every worker call must pass.</summary>
public sealed record JobLease(long JobId, int Attempt, string WorkerId);

public sealed class ClaimedJob
{
    public long Id { get; init; }

    public long SweepId { get; init; }

    public string JobKey { get; init; } = "";

    public string Encoder { get; init; } = "";

    public string Params { get; init; } = "";

    public string Dataset { get; init; } = "";

    public int Attempt { get; init; }

    public int MaxAttempts { get; init; }

    public DateTime LeaseExpiresAt { get; init; }

    /// <summary>How long the job waited for this lease since it could be leased (queued, any retry backoff over).</summary>
    public TimeSpan Waited { get; init; }
}

public sealed class JobRow
{
    public long Id { get; init; }

    public long SweepId { get; init; }

    public string JobKey { get; init; } = "";

    public string Encoder { get; init; } = "";

    public string Params { get; init; } = "";

    /// <summary>The state column as the database spells it; <see cref="State"/> is what it means.</summary>
    public string StateLabel { get; init; } = "";

    public JobState State => StateLabels.ToJobState(StateLabel);

    public int Attempt { get; init; }

    public int MaxAttempts { get; init; }

    public int Priority { get; init; }

    public bool CancelRequested { get; init; }

    public string? LeaseOwner { get; init; }

    public DateTime? LeaseExpiresAt { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? StartedAt { get; init; }

    public DateTime? FinishedAt { get; init; }

    public string? Error { get; init; }

    /// <summary>Why early stopping stopped the job (job_stops.reason); null for every other job.</summary>
    public string? StopReason { get; init; }

    public string? Result { get; init; }
}

public sealed class JobStateRow
{
    /// <summary>The state column as the database spells it; <see cref="State"/> is what it means.</summary>
    public string StateLabel { get; init; } = "";

    public JobState State => StateLabels.ToJobState(StateLabel);

    public int Attempt { get; init; }

    public string? LeaseOwner { get; init; }

    /// <summary>The job's epochs from its parameters: the last epoch a progress report may name. Null when they do not say.</summary>
    public int? Epochs { get; init; }
}

public sealed class MetricsRow
{
    public int Attempt { get; init; }

    public int Epoch { get; init; }

    public long Step { get; init; }

    public string Metrics { get; init; } = "{}";

    public DateTime RecordedAt { get; init; }
}

public sealed class JobEventRow
{
    public long Id { get; init; }

    public long JobId { get; init; }

    public int Attempt { get; init; }

    /// <summary>The state column as the database spells it; <see cref="State"/> is what it means.</summary>
    public string StateLabel { get; init; } = "";

    public JobState State => StateLabels.ToJobState(StateLabel);

    public DateTime RecordedAt { get; init; }

    /// <summary>Transaction that wrote the event; with <see cref="Id"/>, the WatchSweep position.</summary>
    public long Tx { get; init; }

    public WatchPosition Position => new(Tx, Id);

    /// <summary>The job's attempts as they are now (a retry raises them), where the events were read with the job.</summary>
    public int MaxAttempts { get; init; }

    /// <summary>The job's error as it is now (the jobs table's): the last failure's, until an attempt succeeds.</summary>
    public string? JobError { get; init; }

    /// <summary>The worker that took the lease (running) or whose lease the event ends; null on events before migration 6.</summary>
    public string? WorkerId { get; init; }

    /// <summary>The worker's name, where the job's history was read with it.</summary>
    public string? WorkerName { get; init; }

    /// <summary>The text the attempt failed with (failed, lease lost, or queued again after a retryable failure).</summary>
    public string? Error { get; init; }
}

/// <summary>Position in a sweep's event stream: events are read in (transaction, id) order.</summary>
public readonly record struct WatchPosition(long Tx, long Id)
{
    public static WatchPosition Start => new(0, 0);

    public string ToToken() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Tx}.{Id}");

    public static WatchPosition? Parse(string token)
    {
        if (token.Length == 0)
        {
            return Start;
        }

        // Only a token this service wrote: long.TryParse alone would also take "1.2\0" (it ignores trailing NULs)
        // or a leading zero, and a watch from a position that was never issued waits for events that never come.
        var parts = token.Split('.');
        return parts.Length == 2
               && long.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var tx)
               && long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
               && new WatchPosition(tx, id).ToToken() == token
            ? new WatchPosition(tx, id)
            : null;
    }
}

public sealed class SweepRow
{
    public long Id { get; init; }

    public string Name { get; init; } = "";

    public string Spec { get; init; } = "";

    /// <summary>The state column as the database spells it; <see cref="State"/> is what it means.</summary>
    public string StateLabel { get; init; } = "";

    public SweepState State => StateLabels.ToSweepState(StateLabel);

    public int JobCount { get; init; }

    /// <summary>Method tpe: the trials it runs in all (null for grid and random sweeps).</summary>
    public int? TrialCount { get; init; }

    /// <summary>Method tpe: the trials that may be unfinished at once (null for grid and random sweeps).</summary>
    public int? TrialParallel { get; init; }

    /// <summary>Method tpe: the trials created so far (read for one sweep only; 0 in lists and for other methods).</summary>
    public int TrialsCreated { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? FinishedAt { get; init; }

    /// <summary>Epochs its jobs reported (read for one sweep only; 0 in lists).</summary>
    public long EpochsTrained { get; init; }

    /// <summary>Epochs of all its jobs, had each trained to its end (read for one sweep only; 0 in lists).</summary>
    public long EpochsPlanned { get; init; }
}

/// <summary>Jobs of one sweep by state; a state no job is in has no entry.</summary>
public sealed record SweepWithCounts(SweepRow Sweep, IReadOnlyDictionary<JobState, int> Counts);

public sealed class WorkerRow
{
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    public string Host { get; init; } = "";

    public string Devices { get; init; } = "[]";

    public string Version { get; init; } = "";

    public string State { get; init; } = "";

    public DateTime RegisteredAt { get; init; }

    public DateTime LastSeenAt { get; init; }

    public long RunningJobs { get; init; }
}
