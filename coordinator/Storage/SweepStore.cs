using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using Orchestrator.Shared.Specs;
using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Storage;

/// <summary>Sweeps: storing a validated sweep with all its jobs in one transaction, cancelling, retrying, completing, reads.</summary>
public sealed class SweepStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    // Serialises submissions of one name, so two identical concurrent submissions cannot both pass the duplicate check.
    private const string LockName = "SELECT pg_advisory_xact_lock(hashtextextended(@name, 0))";

    private const string FindIdentical = "SELECT id FROM sweeps WHERE name = @name AND spec_hash = @hash ORDER BY id LIMIT 1";

    private const string InsertSweep = """
        INSERT INTO sweeps (name, spec, spec_hash, job_count, trial_count, trial_parallel, created_at)
        VALUES (@name, @spec::jsonb, @hash, @jobCount, @trialCount, @trialParallel, @now)
        RETURNING id
        """;

    // Grid and random jobs have no trial (null); a tpe sweep's jobs carry theirs.
    private const string InsertJobs = """
        INSERT INTO jobs (sweep_id, job_key, encoder, params, dataset, max_attempts, priority, created_at, available_at, trial)
        SELECT @sweepId, t.job_key, t.encoder, t.params::jsonb, t.dataset::jsonb, @maxAttempts, @priority, @now, @now, t.trial
        FROM unnest(@keys, @encoders, @params, @datasets, @trials::integer[]) AS t(job_key, encoder, params, dataset, trial)
        """;

    private const string SweepColumns =
        "id, name, spec::text AS spec, state::text AS state_label, job_count, trial_count, trial_parallel, created_at, finished_at";

    // One sweep also says how much it trained: epochs reported (one row per job and epoch) against the epochs of all
    // its jobs. Lists leave both out: they would read every job and epoch row of every sweep on the page.
    private const string SelectSweep = $"""
        SELECT {SweepColumns},
               (SELECT count(*) FROM job_metrics m WHERE m.sweep_id = sweeps.id) AS epochs_trained,
               (SELECT coalesce(sum((j.params->>'epochs')::bigint), 0) FROM jobs j WHERE j.sweep_id = sweeps.id)::bigint AS epochs_planned,
               (SELECT count(DISTINCT j.trial) FROM jobs j WHERE j.sweep_id = sweeps.id)::int AS trials_created
        FROM sweeps WHERE id = @id
        """;

    private const string SelectSweeps = $"""
        SELECT {SweepColumns} FROM sweeps WHERE (@before::bigint IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit
        """;

    private const string CountByState = """
        SELECT sweep_id, state::text AS state, count(*)::int AS count FROM jobs WHERE sweep_id = ANY(@ids) GROUP BY sweep_id, state
        """;

    private const string MarkCancelled = "UPDATE sweeps SET state = 'cancelled', finished_at = @now WHERE id = @id AND state = 'active'";

    // One statement, so a job changing state meanwhile (claimed, or re-queued by the rescuer) is re-read under
    // its row lock and handled by its new state: queued ones end cancelled, running ones are flagged.
    private const string CancelJobs = """
        UPDATE jobs
        SET state = CASE WHEN state = 'queued' THEN 'cancelled'::job_state ELSE state END,
            finished_at = CASE WHEN state = 'queued' THEN @now ELSE finished_at END,
            cancel_requested = true
        WHERE sweep_id = @id AND state IN ('queued', 'running')
        RETURNING state::text AS state
        """;

    private const string Unfinished = "SELECT 1 FROM jobs j WHERE j.sweep_id = s.id AND j.state IN ('queued', 'running')";

    // A tpe sweep between trials has no job queued or running, yet is not done until its last trial exists. Trials
    // are created under the sweep's row lock, which completion takes too, so this never reads a half-created trial.
    private const string TrialsLeft = "s.trial_count IS NOT NULL AND (SELECT count(DISTINCT j.trial) FROM jobs j WHERE j.sweep_id = s.id) < s.trial_count";

    // Only a retry brings ended jobs back, and it re-queues them under the sweep's row lock. So: lock the candidates
    // (skipping a sweep a retry or cancel holds; the next round sees it), then look at their jobs again in a second
    // statement, whose newer snapshot holds every retry that committed before the lock was ours.
    private const string LockFinishable = $"""
        SELECT id FROM sweeps s WHERE s.state = 'active' AND NOT EXISTS ({Unfinished}) AND NOT ({TrialsLeft}) FOR UPDATE SKIP LOCKED
        """;

    private const string FinishDone = $"""
        UPDATE sweeps s SET state = 'finished', finished_at = @now
        WHERE s.id = ANY(@ids) AND s.state = 'active' AND NOT EXISTS ({Unfinished}) AND NOT ({TrialsLeft})
        RETURNING id
        """;

    // Taken first by a retry: it serialises the retry with completion and cancel, and reads the attempts a job gets.
    private const string LockForRetry = "SELECT (spec->>'max_attempts')::int FROM sweeps WHERE id = @id FOR UPDATE";

    // A retried job is a new attempt, so a worker still holding the old lease stays fenced out, and it gets the spec's
    // max_attempts afresh from there. Its last error stays until the new attempt ends, as with any re-queued job.
    private const string RequeueEnded = """
        WITH ended AS (
            SELECT id, state FROM jobs WHERE sweep_id = @id AND state::text = ANY(@states) FOR UPDATE
        )
        UPDATE jobs j
        SET state = 'queued', attempt = j.attempt + 1, max_attempts = j.attempt + @attempts,
            available_at = @now, finished_at = NULL, cancel_requested = false
        FROM ended WHERE j.id = ended.id
        RETURNING ended.state::text
        """;

    private const string CountCancelled = "SELECT count(*)::int FROM jobs WHERE sweep_id = @id AND state = 'cancelled'";

    private const string Reopen = "UPDATE sweeps SET state = 'active', finished_at = NULL WHERE id = @id AND state <> 'active'";

    // Only events of transactions older than every running one: nothing can commit behind the reader's position.
    // Once a sweep is over only a retry can add to its events, in a transaction younger than all of them, so the
    // final read takes them all and a watch resumed after a retry still misses nothing.
    // With each event the job as it is now (its attempts, its error as the jobs table shows it) and the event's worker:
    // the dashboard updates a row from the event alone.
    private const string SelectEvents = """
        SELECT e.id, e.job_id, e.attempt, e.state::text AS state_label, e.recorded_at, e.tx, e.worker_id, w.name AS worker_name, e.error,
               j.max_attempts, j.error AS job_error
        FROM job_events e
        JOIN jobs j ON j.id = e.job_id
        LEFT JOIN workers w ON w.id = e.worker_id
        WHERE e.sweep_id = @id AND (e.tx, e.id) > (@tx, @after)
          AND (@all OR e.tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint)
        ORDER BY e.tx, e.id LIMIT @limit
        """;

    private const string SelectHorizon = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

    private const int EventPage = 1000;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public static string SpecHash(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(spec.ToCanonicalJson())));
    }

    /// <summary>
    /// Stores the sweep and every job, or nothing; refuses an identical sweep of the same name unless <paramref name="createNew"/>.
    /// A tpe sweep is stored with its first trials (<see cref="TrialStore"/>): as many as it may run at once.
    /// </summary>
    public async Task<SubmitOutcome> InsertAsync(ParsedSweep sweep, bool createNew, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var spec = sweep.Spec;
        var hash = SpecHash(spec);
        var now = Now;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(LockName, new { name = spec.Name }, transaction, cancellationToken: cancellationToken));
        if (!createNew)
        {
            var existing = await connection.QuerySingleOrDefaultAsync<long?>(
                new CommandDefinition(FindIdentical, new { name = spec.Name, hash }, transaction, cancellationToken: cancellationToken));
            if (existing is not null)
            {
                return new SubmitOutcome(existing.Value, 0, AlreadyExisted: true);
            }
        }

        var modelBased = spec.Method == TpeSpecRules.Method;
        var sweepId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertSweep, new
        {
            name = spec.Name,
            spec = spec.ToCanonicalJson(),
            hash,
            jobCount = modelBased ? spec.Count!.Value * spec.Seeds.Count : sweep.Jobs.Count,
            trialCount = modelBased ? spec.Count : null,
            trialParallel = modelBased ? spec.Parallel : null,
            now,
        }, transaction, cancellationToken: cancellationToken));
        var queued = modelBased
            ? await TrialStore.CreateTrialsAsync(connection, transaction, sweepId, now, cancellationToken)
            : await InsertJobsAsync(connection, transaction, sweepId, spec, sweep.Jobs.Select(j => (j, (int?)null)).ToList(), now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new SubmitOutcome(sweepId, queued, AlreadyExisted: false);
    }

    /// <summary>Queues jobs of a sweep, each with its trial (null outside tpe sweeps); returns how many.</summary>
    internal static async Task<int> InsertJobsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long sweepId, SweepSpec spec, IReadOnlyList<(JobDefinition Job, int? Trial)> jobs, DateTime now,
        CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(InsertJobs, new
        {
            sweepId,
            maxAttempts = spec.MaxAttempts,
            priority = spec.Priority,
            now,
            keys = jobs.Select(j => j.Job.JobKey).ToArray(),
            encoders = jobs.Select(j => j.Job.Parameters.Encoder).ToArray(),
            @params = jobs.Select(j => j.Job.CanonicalParameters).ToArray(),
            datasets = jobs.Select(j => CanonicalJson.Serialize(j.Job.Dataset)).ToArray(),
            trials = jobs.Select(j => j.Trial).ToArray(),
        }, transaction, cancellationToken: cancellationToken));
        return jobs.Count;
    }

    public async Task<SweepWithCounts?> GetAsync(long sweepId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var sweep = await connection.QuerySingleOrDefaultAsync<SweepRow>(new CommandDefinition(SelectSweep, new { id = sweepId }, cancellationToken: cancellationToken));
        return sweep is null ? null : (await WithCountsAsync(connection, [sweep], cancellationToken))[0];
    }

    /// <summary>Newest first, a page of sweeps with ids below <paramref name="beforeId"/>.</summary>
    public async Task<IReadOnlyList<SweepWithCounts>> ListAsync(long? beforeId, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var sweeps = (await connection.QueryAsync<SweepRow>(new CommandDefinition(SelectSweeps, new { before = beforeId, limit }, cancellationToken: cancellationToken))).AsList();
        return await WithCountsAsync(connection, sweeps, cancellationToken);
    }

    /// <summary>Cancels the sweep: queued jobs at once, running ones flagged for their next heartbeat. Null when no such sweep.</summary>
    public async Task<(int Cancelled, int CancelRequested)?> CancelAsync(long sweepId, CancellationToken cancellationToken = default)
    {
        var now = Now;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var marked = await connection.ExecuteAsync(new CommandDefinition(MarkCancelled, new { id = sweepId, now }, transaction, cancellationToken: cancellationToken));
        if (marked == 0)
        {
            var exists = await connection.QuerySingleOrDefaultAsync<SweepRow>(new CommandDefinition(SelectSweep, new { id = sweepId }, transaction, cancellationToken: cancellationToken));
            if (exists is null)
            {
                return null;
            }
        }

        var states = (await connection.QueryAsync<string>(new CommandDefinition(CancelJobs, new { id = sweepId, now }, transaction, cancellationToken: cancellationToken))).AsList();
        await transaction.CommitAsync(cancellationToken);
        var cancelled = states.Count(s => StateLabels.ToJobState(s) == JobState.Cancelled);
        return (cancelled, states.Count - cancelled);
    }

    /// <summary>
    /// Puts the jobs of a sweep that ended without success back in the queue, each as a new attempt with the spec's
    /// max_attempts afresh, and makes the sweep active again. <paramref name="failedOnly"/> leaves cancelled jobs alone.
    /// Null when no such sweep.
    /// </summary>
    public async Task<RetryOutcome?> RetryAsync(long sweepId, bool failedOnly, CancellationToken cancellationToken = default)
    {
        JobState[] retried = failedOnly ? [JobState.Failed, JobState.LeaseLost] : [JobState.Failed, JobState.LeaseLost, JobState.Cancelled];
        var states = retried.Select(StateLabels.Label).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var attempts = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(LockForRetry, new { id = sweepId }, transaction, cancellationToken: cancellationToken));
        if (attempts is null)
        {
            return null;
        }

        var leftStates = (await connection.QueryAsync<string>(new CommandDefinition(RequeueEnded,
            new { id = sweepId, states, attempts, now = Now }, transaction, cancellationToken: cancellationToken))).Select(StateLabels.ToJobState).ToList();
        if (leftStates.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(Reopen, new { id = sweepId }, transaction, cancellationToken: cancellationToken));
        }

        var cancelledLeft = failedOnly
            ? await connection.ExecuteScalarAsync<int>(new CommandDefinition(CountCancelled, new { id = sweepId }, transaction, cancellationToken: cancellationToken))
            : 0;
        await transaction.CommitAsync(cancellationToken);
        return new RetryOutcome(
            leftStates.Count(s => s == JobState.Failed), leftStates.Count(s => s == JobState.LeaseLost), leftStates.Count(s => s == JobState.Cancelled), cancelledLeft);
    }

    /// <summary>Marks finished every active sweep with no job left queued or running; returns their ids.</summary>
    public async Task<IReadOnlyList<long>> FinishCompletedAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ids = (await connection.QueryAsync<long>(new CommandDefinition(LockFinishable, transaction: transaction, cancellationToken: cancellationToken))).ToArray();
        IReadOnlyList<long> finished = ids.Length == 0 ? [] : (await connection.QueryAsync<long>(new CommandDefinition(
            FinishDone, new { ids, now }, transaction, cancellationToken: cancellationToken))).AsList();
        await transaction.CommitAsync(cancellationToken);
        return finished;
    }

    /// <summary>
    /// State changes of a sweep's jobs after <paramref name="after"/> in commit-safe order; <paramref name="sweepOver"/>
    /// (the sweep was seen over before this call) lifts the wait for older running transactions.
    /// </summary>
    public async Task<IReadOnlyList<JobEventRow>> EventsAsync(long sweepId, WatchPosition after, bool sweepOver, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<JobEventRow>(new CommandDefinition(SelectEvents,
            new { id = sweepId, tx = after.Tx, after = after.Id, all = sweepOver, limit }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>
    /// Every state change of a sweep's jobs after <paramref name="after"/>, page after page until caught up: the reader
    /// behind WatchSweep and the dashboard's event stream. <paramref name="sweepOver"/> as for <see cref="EventsAsync"/>.
    /// </summary>
    public IAsyncEnumerable<JobEventRow> ChangesAsync(long sweepId, WatchPosition after, bool sweepOver, CancellationToken cancellationToken = default) =>
        PositionedPages.ReadAsync((from, limit, ct) => EventsAsync(sweepId, from, sweepOver, limit, ct), change => change.Position, after, EventPage, cancellationToken);

    /// <summary>
    /// The oldest transaction still running: every event written before it is committed, so a page read after this call
    /// shows it, and a feed followed from <c>(horizon, 0)</c> sends all the others (some of which that page may show too).
    /// </summary>
    public async Task<long> HorizonAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(SelectHorizon, cancellationToken: cancellationToken));
    }

    private static async Task<IReadOnlyList<SweepWithCounts>> WithCountsAsync(NpgsqlConnection connection, List<SweepRow> sweeps, CancellationToken cancellationToken)
    {
        var counts = (await connection.QueryAsync<(long SweepId, string State, int Count)>(new CommandDefinition(
            CountByState, new { ids = sweeps.Select(s => s.Id).ToArray() }, cancellationToken: cancellationToken))).AsList();
        return sweeps.Select(s => new SweepWithCounts(s, counts.Where(c => c.SweepId == s.Id).ToDictionary(c => StateLabels.ToJobState(c.State), c => c.Count))).ToList();
    }
}

/// <summary>What SubmitSweep did: stored a new sweep, or found an identical one of the same name.</summary>
public sealed record SubmitOutcome(long SweepId, int JobCount, bool AlreadyExisted);

/// <summary>What RetrySweep did: the jobs re-queued, by the state they left, and the cancelled jobs a failed-only retry left alone.</summary>
public sealed record RetryOutcome(int Failed, int LeaseLost, int Cancelled, int CancelledLeft)
{
    public int Requeued => Failed + LeaseLost + Cancelled;
}
