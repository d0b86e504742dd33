using Dapper;
using Npgsql;
using Orchestrator.Coordinator.EarlyStopping;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Storage;

/// <summary>
/// Applies a sweep's early-stopping rule to one freshly recorded epoch, inside the transaction that recorded it and
/// under the sweep's row lock (<see cref="LockSweep"/>), so reports of one sweep are judged one at a time in the
/// order they commit, and each epoch of a job once, whichever coordinator receives it. A job the rule finds behind
/// ends `stopped` with its decision in job_stops, fenced like every worker transition. Hyperband is ASHA judged
/// among the units of the judged unit's bracket only (<see cref="HyperbandBrackets"/>).
/// </summary>
internal static class EarlyStoppingJudge
{
    // Only sweeps with an early_stopping block are locked: the reports of every other sweep stay as concurrent as before.
    // NO KEY UPDATE, not UPDATE: it serialises the judges without blocking inserts that reference the sweep.
    public const string LockSweep = """
        SELECT (s.spec->'early_stopping')::text
        FROM sweeps s
        WHERE s.id = (SELECT sweep_id FROM jobs WHERE id = @JobId) AND s.spec->'early_stopping' IS NOT NULL
        FOR NO KEY UPDATE
        """;

    // The unit judged: a configuration (the parameters but the seed) when seeds are judged together, else the job.
    private const string Unit = "CASE WHEN @together THEN (j.params - 'seed')::text ELSE j.id::text END";

    // What Hyperband's bracket draw hashes: the unit's parameters (a job's with its seed), the same on every
    // database and coordinator, where a job id would depend on the order rows were inserted.
    private const string BracketKey = "CASE WHEN @together THEN (j.params - 'seed')::text ELSE j.params::text END";

    private const string UnitOfJob = $"SELECT {Unit} AS unit, {BracketKey} AS key FROM jobs j WHERE j.id = @JobId";

    // Each unit's value at the epoch: the mean of its jobs' values (one job's when judged separately).
    private const string ValuesAtEpoch = $"""
        SELECT {Unit} AS unit, min({BracketKey}) AS key, avg((m.metrics->>@metric)::float8) AS value
        FROM job_metrics m JOIN jobs j ON j.id = m.job_id
        WHERE m.sweep_id = @sweep AND m.epoch = @epoch AND m.metrics->>@metric IS NOT NULL
          AND (NOT @completedOnly OR j.state = 'succeeded')
        GROUP BY 1
        """;

    // The unit's best value up to the epoch: per job that reported the epoch, its best so far; then their mean.
    private const string BestSoFar = $"""
        SELECT avg(best) FROM (
            SELECT CASE WHEN @higher THEN max((m.metrics->>@metric)::float8) ELSE min((m.metrics->>@metric)::float8) END AS best
            FROM job_metrics m JOIN jobs j ON j.id = m.job_id
            WHERE m.sweep_id = @sweep AND {Unit} = @unit AND m.epoch <= @epoch AND m.metrics->>@metric IS NOT NULL
              AND EXISTS (SELECT 1 FROM job_metrics e WHERE e.job_id = m.job_id AND e.epoch = @epoch AND e.metrics->>@metric IS NOT NULL)
            GROUP BY m.job_id) per_job
        """;

    private const string Stop = """
        WITH stopped AS (
            UPDATE jobs SET state = 'stopped', finished_at = @now, lease_owner = NULL, lease_expires_at = NULL
            WHERE id = @JobId AND attempt = @Attempt AND state = 'running' AND lease_owner = @WorkerId
            RETURNING id, sweep_id, attempt
        )
        INSERT INTO job_stops (job_id, sweep_id, attempt, rule, rung, metric, value, cut, reason, recorded_at)
        SELECT id, sweep_id, attempt, @Rule, @Epoch, @Metric, @Value, @Cut, @Reason, @now FROM stopped
        """;

    /// <summary>The sweep's rule and the decision for <paramref name="epoch"/> of the leased job; the job is stopped when it is one.</summary>
    public static async Task<StopDecision?> JudgeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EarlyStoppingSpec spec, JobLease lease, long sweepId, int epoch, int jobEpochs,
        DateTime now, CancellationToken cancellationToken)
    {
        var better = MetricCatalog.Find(spec.Metric)?.Better ?? Better.Lower;
        var together = spec.JudgeSeeds == EarlyStoppingSpec.Together;
        var unit = await connection.QuerySingleAsync<(string Unit, string Key)>(new CommandDefinition(UnitOfJob, new { lease.JobId, together }, transaction, cancellationToken: cancellationToken));
        var decision = spec.Type switch
        {
            EarlyStoppingSpec.Median => await JudgeMedianAsync(connection, transaction, spec, better, together, unit.Unit, sweepId, epoch, jobEpochs, cancellationToken),
            EarlyStoppingSpec.Hyperband => await JudgeHyperbandAsync(connection, transaction, spec, better, together, unit, sweepId, epoch, cancellationToken),
            _ => await JudgeAshaAsync(connection, transaction, spec, better, together, unit.Unit, sweepId, epoch, cancellationToken),
        };
        if (decision is null)
        {
            return null;
        }

        var stopped = await connection.ExecuteAsync(new CommandDefinition(Stop,
            new { lease.JobId, lease.Attempt, lease.WorkerId, decision.Rule, decision.Epoch, decision.Metric, decision.Value, decision.Cut, decision.Reason, now },
            transaction, cancellationToken: cancellationToken));
        return stopped == 1 ? decision : null;
    }

    private static async Task<StopDecision?> JudgeAshaAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EarlyStoppingSpec spec, Better better, bool together, string unit, long sweepId, int epoch,
        CancellationToken cancellationToken)
    {
        if (!spec.Rungs().Contains(epoch))
        {
            return null;
        }

        var values = await ValuesAsync(connection, transaction, spec, together, sweepId, epoch, completedOnly: false, cancellationToken);
        return values.TryGetValue(unit, out var value) ? AshaRule.Judge(spec, better, epoch, value.Value, [.. values.Values.Select(v => v.Value)]) : null;
    }

    private static async Task<StopDecision?> JudgeHyperbandAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EarlyStoppingSpec spec, Better better, bool together, (string Unit, string Key) unit,
        long sweepId, int epoch, CancellationToken cancellationToken)
    {
        var brackets = new HyperbandBrackets(spec);
        var bracket = brackets.Of(unit.Key);
        if (!brackets.Asha(bracket).Rungs().Contains(epoch))
        {
            return null;
        }

        var values = await ValuesAsync(connection, transaction, spec, together, sweepId, epoch, completedOnly: false, cancellationToken);
        var bracketValues = values.Values.Where(v => brackets.Of(v.Key) == bracket).Select(v => v.Value).ToList();
        return values.TryGetValue(unit.Unit, out var value) ? brackets.Judge(bracket, better, epoch, value.Value, bracketValues) : null;
    }

    private static async Task<StopDecision?> JudgeMedianAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EarlyStoppingSpec spec, Better better, bool together, string unit, long sweepId, int epoch,
        int jobEpochs, CancellationToken cancellationToken)
    {
        if (epoch < (spec.MinEpochs ?? 1) || epoch >= jobEpochs)
        {
            return null;
        }

        var completed = await ValuesAsync(connection, transaction, spec, together, sweepId, epoch, completedOnly: true, cancellationToken);
        completed.Remove(unit); // another seed of this configuration may have completed; it is judged, not judging
        var best = await connection.ExecuteScalarAsync<double?>(new CommandDefinition(BestSoFar,
            new { together, higher = better == Better.Higher, metric = spec.Metric, sweep = sweepId, unit, epoch }, transaction, cancellationToken: cancellationToken));
        return best is { } bestSoFar ? MedianStoppingRule.Judge(spec, better, epoch, jobEpochs, bestSoFar, [.. completed.Values.Select(v => v.Value)]) : null;
    }

    private static async Task<Dictionary<string, (string Key, double Value)>> ValuesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EarlyStoppingSpec spec, bool together, long sweepId, int epoch, bool completedOnly,
        CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(string Unit, string Key, double Value)>(new CommandDefinition(ValuesAtEpoch,
            new { together, metric = spec.Metric, sweep = sweepId, epoch, completedOnly }, transaction, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Unit, r => (r.Key, r.Value), StringComparer.Ordinal);
    }
}
