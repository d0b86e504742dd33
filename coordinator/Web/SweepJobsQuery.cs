using System.Globalization;
using System.Text;
using Dapper;
using Npgsql;
using Orchestrator.Coordinator.Results;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// One page of a sweep's jobs for the dashboard, filtered, sorted and counted in one statement. Metric values are read
/// with the same guard as the results table (a number within ±<see cref="ResultsQuery.MagnitudeLimit"/>, else none), so
/// a hand-written row cannot break the page.
/// </summary>
public sealed class SweepJobsQuery(NpgsqlDataSource dataSource)
{
    // {0}: the ORDER BY column (JobsView.Columns, fixed text); {1}: ASC or DESC.
    private static readonly CompositeFormat PageSql = CompositeFormat.Parse("""
        SELECT j.id, j.encoder, j.state::text AS state_label, j.attempt, j.max_attempts, m.epoch,
               COALESCE(CASE WHEN jsonb_typeof(m.metrics -> @loss) = 'number' AND abs((m.metrics -> @loss)::numeric) <= @limit THEN (m.metrics -> @loss)::float8 END,
                        CASE WHEN jsonb_typeof(j.result -> @loss) = 'number' AND abs((j.result -> @loss)::numeric) <= @limit THEN (j.result -> @loss)::float8 END) AS loss,
               CASE WHEN jsonb_typeof(j.result -> @r1) = 'number' AND abs((j.result -> @r1)::numeric) <= @limit THEN (j.result -> @r1)::float8 END AS recall_at1,
               j.error,
               count(*) OVER () AS total
        FROM jobs j
        LEFT JOIN LATERAL (SELECT epoch, metrics FROM job_metrics WHERE job_id = j.id ORDER BY epoch DESC LIMIT 1) m ON true
        WHERE j.sweep_id = @sweep AND (@state::text IS NULL OR j.state = @state::job_state) AND (@encoder::text IS NULL OR j.encoder = @encoder)
        ORDER BY {0} {1} NULLS LAST, j.id
        LIMIT @take OFFSET @skip
        """);

    private const string SelectEncoders = "SELECT DISTINCT encoder FROM jobs WHERE sweep_id = @sweep ORDER BY encoder";

    /// <summary>The page of jobs <paramref name="view"/> names and how many jobs match its filters in all.</summary>
    public async Task<(IReadOnlyList<JobLine> Jobs, long Total)> PageAsync(long sweepId, JobsView view, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        var sql = string.Format(CultureInfo.InvariantCulture, PageSql, JobsView.Columns[view.Sort], view.Descending ? "DESC" : "ASC");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(sql, new
        {
            sweep = sweepId,
            state = view.State is { } state ? StateLabels.Label(state) : null,
            encoder = view.Encoder,
            loss = MetricCatalog.TrainLoss.Key,
            r1 = MetricCatalog.TextToImageR1.Key,
            limit = (decimal)ResultsQuery.MagnitudeLimit,
            take = JobsView.PageSize,
            skip = (view.Page - 1) * JobsView.PageSize,
        }, cancellationToken: cancellationToken))).AsList();
        var jobs = rows.Select(r => new JobLine(r.Id, r.Encoder, r.StateLabel, r.Attempt, r.MaxAttempts, r.Epoch, r.Loss, r.RecallAt1, r.Error)).ToList();
        return (jobs, rows.Count > 0 ? rows[0].Total : 0);
    }

    /// <summary>The encoders of a sweep's jobs, for the filter.</summary>
    public async Task<IReadOnlyList<string>> EncodersAsync(long sweepId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(SelectEncoders, new { sweep = sweepId }, cancellationToken: cancellationToken))).AsList();
    }

    private sealed class Row
    {
        public long Id { get; init; }

        public string Encoder { get; init; } = "";

        public string StateLabel { get; init; } = "";

        public int Attempt { get; init; }

        public int MaxAttempts { get; init; }

        public int? Epoch { get; init; }

        public double? Loss { get; init; }

        public double? RecallAt1 { get; init; }

        public string? Error { get; init; }

        public long Total { get; init; }
    }
}
