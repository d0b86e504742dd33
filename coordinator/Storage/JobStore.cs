using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Orchestrator.Coordinator.EarlyStopping;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Shared.Specs;
using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Storage;

/// <summary>
/// Jobs: claiming, the lease-fenced worker transitions, rescue of expired leases, and reads. Every transition
/// is one statement guarded by `state = expected AND attempt = @attempt`; zero rows means the caller's lease
/// is no longer current and nothing changed.
/// </summary>
public sealed class JobStore(NpgsqlDataSource dataSource, TimeProvider time, IOptions<QueueOptions> options, TrialStore trials)
{
    private const string Fence = "id = @JobId AND attempt = @Attempt AND state = 'running' AND lease_owner = @WorkerId";

    // One statement: mark the worker seen, lock the best queued job nobody else is locking, lease it.
    // worker_known tells an unknown worker (NOT_FOUND) from an empty queue.
    private const string Claim = """
        WITH seen AS (
            UPDATE workers SET last_seen_at = @now, state = 'online' WHERE id = @worker RETURNING id
        ), next AS (
            SELECT id FROM jobs
            WHERE state = 'queued' AND available_at <= @now AND EXISTS (SELECT 1 FROM seen)
            ORDER BY priority DESC, created_at, id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE jobs j
            SET state = 'running', lease_owner = @worker, lease_expires_at = @now + @leaseDuration, started_at = @now
            FROM next WHERE j.id = next.id AND j.state = 'queued'
            RETURNING j.id, j.sweep_id, j.job_key, j.encoder, j.params::text AS params, j.dataset::text AS dataset,
                      j.attempt, j.max_attempts, j.lease_expires_at, @now - j.available_at AS waited
        )
        SELECT (SELECT count(*) FROM seen) AS worker_known, claimed.*
        FROM (VALUES (1)) AS one LEFT JOIN claimed ON true
        """;

    private const string Heartbeat = $"""
        WITH beat AS (
            UPDATE jobs SET lease_expires_at = @now + @leaseDuration WHERE {Fence}
            RETURNING cancel_requested, lease_expires_at
        ), seen AS (
            UPDATE workers SET last_seen_at = @now, state = 'online' WHERE id = @WorkerId AND EXISTS (SELECT 1 FROM beat)
        )
        SELECT cancel_requested, lease_expires_at FROM beat
        """;

    // Progress is a sign of life too: it extends the lease like a heartbeat. An epoch beyond the job's own epochs
    // (its parameters say how many) matches no row, records nothing and extends nothing; the caller explains why.
    // Each epoch is stored once per job (migration 0004), with the attempt that produced it (@producedBy, 0: the
    // lease's). A report of a stored epoch replaces it unless the stored one is a later attempt's: the same epoch
    // re-sent, or trained again by a later attempt, leaves the newest attempt's values. `fresh`: the epoch was not
    // stored before (xmax is 0 on an inserted row, not on an updated one), the only report early stopping judges.
    private const string RecordProgress = $"""
        WITH live AS (
            UPDATE jobs SET lease_expires_at = @now + @leaseDuration
            WHERE {Fence} AND @epoch <= coalesce((params->>'epochs')::int, @epoch)
            RETURNING id, sweep_id, attempt, cancel_requested, (params->>'epochs')::int AS epochs, trial IS NOT NULL AS in_trial
        ), recorded AS (
            INSERT INTO job_metrics (job_id, attempt, epoch, step, metrics, recorded_at)
            SELECT id, coalesce(nullif(@producedBy, 0), attempt), @epoch, @step, @metrics::jsonb, @now FROM live
            ON CONFLICT (job_id, epoch) DO UPDATE
            SET attempt = EXCLUDED.attempt, step = EXCLUDED.step, metrics = EXCLUDED.metrics, recorded_at = EXCLUDED.recorded_at
            WHERE job_metrics.attempt <= EXCLUDED.attempt
            RETURNING xmax = 0 AS inserted
        )
        SELECT cancel_requested, sweep_id, coalesce(epochs, @epoch) AS epochs, coalesce((SELECT inserted FROM recorded), false) AS fresh, in_trial FROM live
        """;

    // started_at is the lease's start (the claim sets it), so the answer is how long this attempt held its lease.
    private const string Complete = $"""
        UPDATE jobs
        SET state = 'succeeded', result = @result::jsonb, finished_at = @now, lease_owner = NULL, lease_expires_at = NULL
        WHERE {Fence}
        RETURNING @now - started_at AS held, sweep_id, trial IS NOT NULL AS in_trial
        """;

    // Shared by FailJob and the rescuer: end a lease into `next_state` (queued = a new attempt after backoff). The
    // backoff doubles with each attempt that ended badly; released attempts (a worker shutting down) do not count.
    private const string EndLease = """
        UPDATE jobs j
        SET state = d.next_state,
            attempt = j.attempt + (d.next_state = 'queued')::int,
            available_at = CASE WHEN d.next_state = 'queued'
                                THEN @now + least(@backoffMax, @backoffBase * power(2, j.attempt - 1 - j.released_attempts)) ELSE j.available_at END,
            finished_at = CASE WHEN d.next_state = 'queued' THEN NULL ELSE @now END,
            lease_owner = NULL,
            lease_expires_at = NULL,
            error = d.error
        FROM decided d
        WHERE j.id = d.id AND j.state = 'running'
        RETURNING j.id, d.next_state::text AS state_label, j.sweep_id, j.trial IS NOT NULL AS in_trial
        """;

    private const string Fail = $"""
        WITH decided AS (
            SELECT id, @error AS error,
                   (CASE WHEN cancel_requested THEN 'cancelled'
                         WHEN @retryable AND attempt < max_attempts THEN 'queued'
                         ELSE 'failed' END)::job_state AS next_state
            FROM jobs WHERE {Fence}
            FOR UPDATE
        )
        {EndLease}
        """;

    // A worker shutting down gives its job back: a new attempt that does not use up one of max_attempts (the job did
    // nothing wrong) and no backoff, nor a longer backoff for its next failure. A job whose sweep was cancelled meanwhile ends cancelled instead.
    private const string Release = $"""
        UPDATE jobs
        SET state = (CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END)::job_state,
            attempt = attempt + (NOT cancel_requested)::int,
            max_attempts = max_attempts + (NOT cancel_requested)::int,
            released_attempts = released_attempts + (NOT cancel_requested)::int,
            available_at = @now,
            finished_at = CASE WHEN cancel_requested THEN @now END,
            lease_owner = NULL,
            lease_expires_at = NULL
        WHERE {Fence}
        RETURNING state::text
        """;

    // Safe with several coordinators: SKIP LOCKED splits the expired leases between them, and the row is
    // re-checked under its lock, so a heartbeat that lands first keeps its lease.
    private const string RescueExpired = $"""
        WITH decided AS (
            SELECT id,
                   format('lease expired on attempt %s: worker %s stopped heartbeating', attempt, lease_owner) AS error,
                   (CASE WHEN cancel_requested THEN 'cancelled'
                         WHEN attempt < max_attempts THEN 'queued'
                         ELSE 'lease_lost' END)::job_state AS next_state
            FROM jobs
            WHERE state = 'running' AND lease_expires_at < @now
            ORDER BY lease_expires_at
            LIMIT @batch
            FOR UPDATE SKIP LOCKED
        )
        {EndLease}
        """;

    // A worker registering again under its previous id (same name and host, so one agent cannot end another's
    // leases) is that worker restarted: its old leases are dead now, not at expiry. Each lost lease counts as an
    // attempt (a job that kills its agent must not loop for ever) but starts again without backoff: the caller
    // passes zero for both backoff bounds. The old worker record goes offline.
    private const string LoseLeasesOfRestarted = $"""
        WITH previous AS (
            UPDATE workers SET state = 'offline' WHERE id = @previous AND name = @name AND host = @host RETURNING id
        ), decided AS (
            SELECT j.id,
                   format('lease lost on attempt %s: worker %s restarted', j.attempt, j.lease_owner) AS error,
                   (CASE WHEN j.cancel_requested THEN 'cancelled'
                         WHEN j.attempt < j.max_attempts THEN 'queued'
                         ELSE 'lease_lost' END)::job_state AS next_state
            FROM jobs j JOIN previous p ON j.lease_owner = p.id
            WHERE j.state = 'running'
            FOR UPDATE OF j
        )
        {EndLease}
        """;

    private const string Describe =
        "SELECT state::text AS state_label, attempt, lease_owner, (params->>'epochs')::int AS epochs FROM jobs WHERE id = @id";

    private const string JobColumns = """
        id, sweep_id, job_key, encoder, params::text AS params, state::text AS state_label, attempt, max_attempts, priority,
        cancel_requested, lease_owner, lease_expires_at, created_at, started_at, finished_at, error, result::text AS result,
        (SELECT s.reason FROM job_stops s WHERE s.job_id = jobs.id) AS stop_reason
        """;

    private const string SelectJob = $"SELECT {JobColumns} FROM jobs WHERE id = @id";

    private const string SelectJobs = $"""
        SELECT {JobColumns} FROM jobs
        WHERE (@sweep::bigint IS NULL OR sweep_id = @sweep) AND (@state::text IS NULL OR state = @state::job_state) AND id > @after
        ORDER BY id
        LIMIT @limit
        """;

    // One row per epoch (migration 0004), so the newest points are the highest epochs.
    private const string SelectNewestMetrics = """
        SELECT attempt, epoch, step, metrics, recorded_at FROM (
            SELECT attempt, epoch, step, metrics::text AS metrics, recorded_at FROM job_metrics WHERE job_id = @id ORDER BY epoch DESC LIMIT @limit) newest
        ORDER BY epoch
        """;

    private const string CountMetrics = "SELECT count(*)::int FROM job_metrics WHERE job_id = @id";

    private const string SelectJobEvents =
        """
        SELECT e.id, e.job_id, e.attempt, e.state::text AS state_label, e.recorded_at, e.tx, e.worker_id, w.name AS worker_name, e.error
        FROM job_events e LEFT JOIN workers w ON w.id = e.worker_id
        WHERE e.job_id = @id ORDER BY e.tx, e.id
        """;

    private const int RescueBatch = 500;

    private readonly QueueOptions queue = options.Value;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Leases the next job to a worker; null when none is queued. Throws <see cref="UnknownWorkerException"/>.</summary>
    public async Task<ClaimedJob?> ClaimAsync(string workerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<ClaimResult>(
            new CommandDefinition(Claim, new { worker = workerId, now = Now, leaseDuration = queue.LeaseDuration }, cancellationToken: cancellationToken));
        if (row.WorkerKnown == 0)
        {
            throw new UnknownWorkerException(workerId);
        }

        return row.Id is null ? null : new ClaimedJob
        {
            Id = row.Id.Value,
            SweepId = row.SweepId!.Value,
            JobKey = row.JobKey!,
            Encoder = row.Encoder!,
            Params = row.Params!,
            Dataset = row.Dataset!,
            Attempt = row.Attempt!.Value,
            MaxAttempts = row.MaxAttempts!.Value,
            LeaseExpiresAt = row.LeaseExpiresAt!.Value,
            Waited = row.Waited ?? TimeSpan.Zero,
        };
    }

    /// <summary>Extends the lease; null when the lease is no longer current (nothing changed).</summary>
    public async Task<(bool CancelRequested, DateTime LeaseExpiresAt)?> HeartbeatAsync(JobLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<HeartbeatResult>(new CommandDefinition(
            Heartbeat, new { lease.JobId, lease.Attempt, lease.WorkerId, now = Now, leaseDuration = queue.LeaseDuration }, cancellationToken: cancellationToken));
        return row is null ? null : (row.CancelRequested, row.LeaseExpiresAt);
    }

    /// <summary>
    /// Records epoch metrics and, when the job's sweep stops jobs early, judges a newly recorded epoch in the same
    /// transaction (<see cref="EarlyStoppingJudge"/>); returns whether a cancel is requested and whether the job was
    /// stopped, or null when the lease is no longer current or the epoch is beyond the job's epochs (nothing changed;
    /// <see cref="DescribeAsync"/> tells which).
    /// </summary>
    public async Task<ProgressAnswer?> ReportProgressAsync(JobLease lease, int epoch, long step, string metricsJson, int producedBy = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = Now;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var earlyStopping = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            EarlyStoppingJudge.LockSweep, new { lease.JobId }, transaction, cancellationToken: cancellationToken));
        var recorded = await connection.QuerySingleOrDefaultAsync<RecordedProgress>(new CommandDefinition(RecordProgress,
            new { lease.JobId, lease.Attempt, lease.WorkerId, epoch, step, metrics = metricsJson, producedBy, now, leaseDuration = queue.LeaseDuration },
            transaction, cancellationToken: cancellationToken));
        if (recorded is null)
        {
            return null;
        }

        var stopped = earlyStopping is not null && recorded.Fresh && !recorded.CancelRequested
            ? await EarlyStoppingJudge.JudgeAsync(connection, transaction, CanonicalJson.Deserialize<EarlyStoppingSpec>(earlyStopping), lease,
                recorded.SweepId, epoch, recorded.Epochs, now, cancellationToken)
            : null;
        await transaction.CommitAsync(cancellationToken);
        if (stopped is not null && recorded.InTrial)
        {
            await trials.TopUpAsync(recorded.SweepId, cancellationToken);
        }

        return new ProgressAnswer(recorded.CancelRequested, stopped);
    }

    /// <summary>
    /// Stores the result; returns how long the attempt held its lease, or null when the lease is no longer current
    /// (nothing changed). A trial's job ending makes room for the sweep's next trial, created before this returns.
    /// </summary>
    public async Task<TimeSpan?> CompleteAsync(JobLease lease, string resultJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        CompletedJob? completed;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            completed = await connection.QuerySingleOrDefaultAsync<CompletedJob>(new CommandDefinition(
                Complete, new { lease.JobId, lease.Attempt, lease.WorkerId, result = resultJson, now = Now }, cancellationToken: cancellationToken));
        }

        if (completed is { InTrial: true })
        {
            await trials.TopUpAsync(completed.SweepId, cancellationToken);
        }

        return completed?.Held;
    }

    /// <summary>Ends the attempt with an error; returns the job's new state, or null when the lease is no longer current.</summary>
    public async Task<JobState?> FailAsync(JobLease lease, string error, bool retryable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        EndedLease? row;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            row = await connection.QuerySingleOrDefaultAsync<EndedLease>(new CommandDefinition(Fail,
                new { lease.JobId, lease.Attempt, lease.WorkerId, error, retryable, now = Now, backoffBase = queue.RetryBackoffBase, backoffMax = queue.RetryBackoffMax },
                cancellationToken: cancellationToken));
        }

        await TopUpAfterAsync(row is null ? [] : [row], cancellationToken);
        return row?.State;
    }

    /// <summary>Creates the next trials of the tpe sweeps whose trial's job just ended for good (not back to the queue).</summary>
    public async Task TopUpAfterAsync(IEnumerable<EndedLease> ended, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ended);
        foreach (var sweepId in ended.Where(e => e.InTrial && e.State != JobState.Queued).Select(e => e.SweepId).Distinct())
        {
            await trials.TopUpAsync(sweepId, cancellationToken);
        }
    }

    /// <summary>Gives a running job back to the queue uncounted; returns its new state, or null when the lease is not current.</summary>
    public async Task<JobState?> ReleaseAsync(JobLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var label = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            Release, new { lease.JobId, lease.Attempt, lease.WorkerId, now = Now }, cancellationToken: cancellationToken));
        return label is null ? null : StateLabels.ToJobState(label);
    }

    /// <summary>Ends every lease expired at <paramref name="now"/>: re-queued (attempt + 1), lease_lost, or cancelled.</summary>
    public async Task<IReadOnlyList<EndedLease>> RescueExpiredAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        var all = new List<EndedLease>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        while (true)
        {
            var batch = (await connection.QueryAsync<EndedLease>(new CommandDefinition(RescueExpired,
                new { now, batch = RescueBatch, backoffBase = queue.RetryBackoffBase, backoffMax = queue.RetryBackoffMax },
                cancellationToken: cancellationToken))).AsList();
            all.AddRange(batch);
            if (batch.Count < RescueBatch)
            {
                return all;
            }
        }
    }

    /// <summary>
    /// Ends the running leases of <paramref name="previousWorkerId"/> when it is the worker <paramref name="name"/> on
    /// <paramref name="host"/> registering again after a restart: queued again at once (attempt + 1), lease_lost, or cancelled.
    /// </summary>
    public async Task<IReadOnlyList<EndedLease>> LoseLeasesOfRestartedWorkerAsync(string previousWorkerId, string name, string host, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<EndedLease>(new CommandDefinition(LoseLeasesOfRestarted,
            new { previous = previousWorkerId, name, host, now = Now, backoffBase = TimeSpan.Zero, backoffMax = TimeSpan.Zero },
            cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Where a job stands, to explain a refused worker call; null when there is no such job.</summary>
    public async Task<JobStateRow?> DescribeAsync(long jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<JobStateRow>(new CommandDefinition(Describe, new { id = jobId }, cancellationToken: cancellationToken));
    }

    public async Task<JobRow?> GetAsync(long jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(SelectJob, new { id = jobId }, cancellationToken: cancellationToken));
    }

    /// <summary>A page of jobs in id order after <paramref name="afterId"/>, optionally of one sweep and one state.</summary>
    public async Task<IReadOnlyList<JobRow>> ListAsync(long? sweepId, JobState? state, long afterId, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<JobRow>(new CommandDefinition(SelectJobs,
            new { sweep = sweepId, state = state is null ? null : StateLabels.Label(state.Value), after = afterId, limit }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>The job's newest <paramref name="limit"/> epochs (one report each), oldest first, and how many it has in all.</summary>
    public async Task<(IReadOnlyList<MetricsRow> Newest, int Total)> ProgressAsync(long jobId, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var newest = (await connection.QueryAsync<MetricsRow>(new CommandDefinition(SelectNewestMetrics, new { id = jobId, limit }, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<int>(new CommandDefinition(CountMetrics, new { id = jobId }, cancellationToken: cancellationToken));
        return (newest, total);
    }

    public async Task<IReadOnlyList<JobEventRow>> EventsAsync(long jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<JobEventRow>(new CommandDefinition(SelectJobEvents, new { id = jobId }, cancellationToken: cancellationToken))).AsList();
    }

    private sealed class ClaimResult
    {
        public long WorkerKnown { get; init; }

        public long? Id { get; init; }

        public long? SweepId { get; init; }

        public string? JobKey { get; init; }

        public string? Encoder { get; init; }

        public string? Params { get; init; }

        public string? Dataset { get; init; }

        public int? Attempt { get; init; }

        public int? MaxAttempts { get; init; }

        public DateTime? LeaseExpiresAt { get; init; }

        public TimeSpan? Waited { get; init; }
    }

    private sealed class RecordedProgress
    {
        public bool CancelRequested { get; init; }

        public long SweepId { get; init; }

        public int Epochs { get; init; }

        public bool Fresh { get; init; }

        public bool InTrial { get; init; }
    }

    private sealed class CompletedJob
    {
        public TimeSpan Held { get; init; }

        public long SweepId { get; init; }

        public bool InTrial { get; init; }
    }

    private sealed class HeartbeatResult
    {
        public bool CancelRequested { get; init; }

        public DateTime LeaseExpiresAt { get; init; }
    }
}

/// <summary>What recording an epoch answers: a cancel is requested, or the sweep's early-stopping rule stopped the job (null: it goes on).</summary>
public sealed record ProgressAnswer(bool CancelRequested, StopDecision? Stopped);

/// <summary>A lease ended by FailJob or the rescuer, and the state the job went to.</summary>
public sealed class EndedLease
{
    public long Id { get; init; }

    /// <summary>The new state as the database spells it; <see cref="State"/> is what it means.</summary>
    public string StateLabel { get; init; } = "";

    public JobState State => StateLabels.ToJobState(StateLabel);

    public long SweepId { get; init; }

    /// <summary>The job is a trial's of a tpe sweep: its end may make room for the next trial.</summary>
    public bool InTrial { get; init; }
}

public sealed class UnknownWorkerException : Exception
{
    public UnknownWorkerException()
    {
    }

    public UnknownWorkerException(string workerId)
        : base($"no worker with id '{workerId}' is registered; call RegisterWorker first")
    {
    }

    public UnknownWorkerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
