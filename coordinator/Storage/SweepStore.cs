using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Storage;

/// <summary>Sweeps: storing a validated sweep with all its jobs in one transaction, cancelling, completing, reads.</summary>
public sealed class SweepStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    // Serialises submissions of one name, so two identical concurrent submissions cannot both pass the duplicate check.
    private const string LockName = "SELECT pg_advisory_xact_lock(hashtextextended(@name, 0))";

    private const string FindIdentical = "SELECT id FROM sweeps WHERE name = @name AND spec_hash = @hash ORDER BY id LIMIT 1";

    private const string InsertSweep = """
        INSERT INTO sweeps (name, spec, spec_hash, job_count, created_at)
        VALUES (@name, @spec::jsonb, @hash, @jobCount, @now)
        RETURNING id
        """;

    private const string InsertJobs = """
        INSERT INTO jobs (sweep_id, job_key, encoder, params, dataset, max_attempts, priority, created_at, available_at)
        SELECT @sweepId, t.job_key, t.encoder, t.params::jsonb, t.dataset::jsonb, @maxAttempts, @priority, @now, @now
        FROM unnest(@keys, @encoders, @params, @datasets) AS t(job_key, encoder, params, dataset)
        """;

    private const string SweepColumns =
        "id, name, spec::text AS spec, state::text AS state, job_count, created_at, finished_at";

    private const string SelectSweep = $"SELECT {SweepColumns} FROM sweeps WHERE id = @id";

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

    // Terminal job states never go back, so a sweep seen with none queued or running is really over.
    private const string FinishDone = """
        UPDATE sweeps s SET state = 'finished', finished_at = @now
        WHERE s.state = 'active'
          AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.sweep_id = s.id AND j.state IN ('queued', 'running'))
        RETURNING id
        """;

    // Only events of transactions older than every running one: nothing can commit behind the reader's position.
    // Once a sweep is over no transaction can add to its events, so the final read takes them all.
    private const string SelectEvents = """
        SELECT id, job_id, attempt, state::text AS state, recorded_at, tx FROM job_events
        WHERE sweep_id = @id AND (tx, id) > (@tx, @after)
          AND (@all OR tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint)
        ORDER BY tx, id LIMIT @limit
        """;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public static string SpecHash(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(spec.ToCanonicalJson())));
    }

    /// <summary>Stores the sweep and every job, or nothing; refuses an identical sweep of the same name unless <paramref name="createNew"/>.</summary>
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

        var sweepId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertSweep,
            new { name = spec.Name, spec = spec.ToCanonicalJson(), hash, jobCount = sweep.Jobs.Count, now }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(InsertJobs, new
        {
            sweepId,
            maxAttempts = spec.MaxAttempts,
            priority = spec.Priority,
            now,
            keys = sweep.Jobs.Select(j => j.JobKey).ToArray(),
            encoders = sweep.Jobs.Select(j => j.Parameters.Encoder).ToArray(),
            @params = sweep.Jobs.Select(j => j.CanonicalParameters).ToArray(),
            datasets = sweep.Jobs.Select(j => CanonicalJson.Serialize(j.Dataset)).ToArray(),
        }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new SubmitOutcome(sweepId, sweep.Jobs.Count, AlreadyExisted: false);
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
        var cancelled = states.Count(s => s == "cancelled");
        return (cancelled, states.Count - cancelled);
    }

    /// <summary>Marks finished every active sweep with no job left queued or running; returns their ids.</summary>
    public async Task<IReadOnlyList<long>> FinishCompletedAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<long>(new CommandDefinition(FinishDone, new { now }, cancellationToken: cancellationToken))).AsList();
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

    private static async Task<IReadOnlyList<SweepWithCounts>> WithCountsAsync(NpgsqlConnection connection, List<SweepRow> sweeps, CancellationToken cancellationToken)
    {
        var counts = (await connection.QueryAsync<(long SweepId, string State, int Count)>(new CommandDefinition(
            CountByState, new { ids = sweeps.Select(s => s.Id).ToArray() }, cancellationToken: cancellationToken))).AsList();
        return sweeps.Select(s => new SweepWithCounts(s, counts.Where(c => c.SweepId == s.Id).ToDictionary(c => c.State, c => c.Count))).ToList();
    }
}

/// <summary>What SubmitSweep did: stored a new sweep, or found an identical one of the same name.</summary>
public sealed record SubmitOutcome(long SweepId, int JobCount, bool AlreadyExisted);
