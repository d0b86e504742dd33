using System.Text.Json;
using Dapper;
using Npgsql;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.EarlyStopping;

/// <summary>Why one job was stopped (its job_stops row), as the dashboard's job page shows it.</summary>
public sealed record JobStop(string Rule, int Rung, string Metric, double Value, double Cut, string Reason, DateTime RecordedAt);

/// <summary>
/// One judged epoch of an early-stopped sweep: how many jobs reported it, how many the rule stopped there, and the
/// cuts they failed (ASHA's cut moves as jobs arrive at the rung, so a range; null where none was stopped).
/// </summary>
public sealed record SweepRung(int Epoch, int Reached, int Stopped, double? MinCut, double? MaxCut);

/// <summary>Reads what early stopping decided (job_stops) for the job page and `orch status`.</summary>
public sealed class JobStopsQuery(NpgsqlDataSource dataSource)
{
    private const string SelectStop = """
        SELECT rule, rung, metric, value, cut, reason, recorded_at FROM job_stops WHERE job_id = @jobId
        """;

    // The epochs worth a line: ASHA's rungs (from the spec, even before anyone reached them), every epoch a job was
    // stopped at (median stopping judges every epoch, so only those), and the jobs' last epoch, where the survivors end.
    // A job's epochs are read guarded, as the results query reads them: a row written by hand must not break `orch status`.
    private const string SelectRungs = """
        WITH judged AS (
            SELECT unnest(@rungs::int[]) AS epoch
            UNION SELECT rung FROM job_stops WHERE sweep_id = @sweepId
            UNION SELECT max(CASE WHEN jsonb_typeof(params->'epochs') = 'number'
                                  THEN CASE WHEN (params->'epochs')::numeric BETWEEN 1 AND 1000000 THEN (params->'epochs')::numeric::int END END)
                  FROM jobs WHERE sweep_id = @sweepId)
        SELECT e.epoch,
               (SELECT count(*) FROM job_metrics m WHERE m.sweep_id = @sweepId AND m.epoch = e.epoch)::int AS reached,
               s.stopped, s.min_cut, s.max_cut
        FROM judged e
        CROSS JOIN LATERAL (
            SELECT count(*)::int AS stopped, min(cut) AS min_cut, max(cut) AS max_cut
            FROM job_stops WHERE sweep_id = @sweepId AND rung = e.epoch) s
        WHERE e.epoch IS NOT NULL
        ORDER BY e.epoch
        """;

    /// <summary>The job's stop, or null when it was not stopped early.</summary>
    public async Task<JobStop?> ForJobAsync(long jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<JobStop>(new CommandDefinition(SelectStop, new { jobId }, cancellationToken: cancellationToken));
    }

    /// <summary>The sweep's judged epochs in order, from its stored spec (canonical JSON); empty for a sweep without an early_stopping block.</summary>
    public async Task<IReadOnlyList<SweepRung>> RungsAsync(long sweepId, string specJson, CancellationToken cancellationToken = default)
    {
        // Only the block is read: a spec stored by an older version need not be a whole SweepSpec of today.
        using var document = JsonDocument.Parse(specJson);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("early_stopping", out var block) || block.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        var spec = CanonicalJson.Deserialize<EarlyStoppingSpec>(block.GetRawText());

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<SweepRung>(new CommandDefinition(SelectRungs,
            new { sweepId, rungs = spec.Rungs().ToArray() }, cancellationToken: cancellationToken));
        return rows.ToList();
    }
}
