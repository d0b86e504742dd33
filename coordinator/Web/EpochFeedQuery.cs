using Dapper;
using Npgsql;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// The epochs reported for a sweep's jobs after a position, in the order and with the guard WatchSweep reads job events
/// (migration 0005 stamps each row with its sweep and writing transaction): one index range per page. Losses are read
/// as the jobs table reads them: a number within ±<see cref="ResultsQuery.MagnitudeLimit"/>, else none.
/// </summary>
public sealed class EpochFeedQuery(NpgsqlDataSource dataSource)
{
    private const int Page = 1000;

    private const string SelectAfter = """
        SELECT id, tx, job_id, epoch,
               CASE WHEN jsonb_typeof(metrics -> @trainLoss) = 'number' AND abs((metrics -> @trainLoss)::numeric) <= @limit THEN (metrics -> @trainLoss)::float8 END AS train_loss,
               CASE WHEN jsonb_typeof(metrics -> @valLoss) = 'number' AND abs((metrics -> @valLoss)::numeric) <= @limit THEN (metrics -> @valLoss)::float8 END AS val_loss
        FROM job_metrics
        WHERE sweep_id = @sweep AND (tx, id) > (@tx, @after) AND tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
        ORDER BY tx, id LIMIT @limit_rows
        """;

    public IAsyncEnumerable<EpochLine> AfterAsync(long sweepId, WatchPosition after, CancellationToken cancellationToken = default) =>
        PositionedPages.ReadAsync((from, limit, ct) => PageAsync(sweepId, from, limit, ct), line => line.Position, after, Page, cancellationToken);

    private async Task<IReadOnlyList<EpochLine>> PageAsync(long sweepId, WatchPosition after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<EpochLine>(new CommandDefinition(SelectAfter, new
        {
            sweep = sweepId,
            tx = after.Tx,
            after = after.Id,
            trainLoss = MetricCatalog.TrainLoss.Key,
            valLoss = MetricCatalog.ValLoss.Key,
            limit = (decimal)ResultsQuery.MagnitudeLimit,
            limit_rows = limit,
        }, cancellationToken: cancellationToken))).AsList();
    }
}

/// <summary>One reported epoch of a job, as the event stream sends it.</summary>
public sealed class EpochLine
{
    public long Id { get; init; }

    public long Tx { get; init; }

    public long JobId { get; init; }

    public int Epoch { get; init; }

    public double? TrainLoss { get; init; }

    public double? ValLoss { get; init; }

    public WatchPosition Position => new(Tx, Id);
}
