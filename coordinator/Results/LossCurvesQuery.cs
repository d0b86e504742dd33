using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Results;

/// <summary>
/// Per-epoch train and validation loss of jobs, for the loss-curve plot. A resumed job reported its earlier epochs
/// under an earlier attempt; for each epoch the latest report wins, so a curve is continuous across a resume.
/// </summary>
public sealed class LossCurvesQuery(NpgsqlDataSource dataSource)
{
    private const string TrainLoss =
        "CASE WHEN jsonb_typeof(m.metrics -> @trainLoss) = 'number' THEN CASE WHEN abs((m.metrics -> @trainLoss)::numeric) <= 1e15 THEN (m.metrics -> @trainLoss)::float8 END END";

    private const string ValLoss =
        "CASE WHEN jsonb_typeof(m.metrics -> @valLoss) = 'number' THEN CASE WHEN abs((m.metrics -> @valLoss)::numeric) <= 1e15 THEN (m.metrics -> @valLoss)::float8 END END";

    // A loss is read only when it is a number float8 can hold, so a row written by hand or by an older version
    // (a string, 1e400) leaves a gap in its curve instead of failing the query for the whole sweep.
    private const string SelectPoints = $"""
        SELECT DISTINCT ON (m.job_id, m.epoch)
               m.job_id, m.epoch, {TrainLoss}, {ValLoss},
               j.params ->> 'encoder', j.params ->> 'seed'
        FROM job_metrics m JOIN jobs j ON j.id = m.job_id
        """;

    private const string OrderPoints = "ORDER BY m.job_id, m.epoch, m.id DESC";

    private const string CurvesSql = $"""
        {SelectPoints}
        WHERE j.sweep_id = ANY(@sweeps) AND (@encoder::text IS NULL OR j.params ->> 'encoder' = @encoder)
              AND {TrainLoss} IS NOT NULL
        {OrderPoints}
        """;

    private const string JobCurvesSql = $"""
        {SelectPoints}
        WHERE m.job_id = ANY(@jobs) AND {TrainLoss} IS NOT NULL
        {OrderPoints}
        """;

    // The jobs of a sweep that have a curve (a loss ForSweepsAsync reads), in the order it returns their curves.
    private const string JobsWithCurvesSql = $"""
        SELECT j.id, j.params ->> 'encoder' FROM jobs j
        WHERE j.sweep_id = @sweep AND EXISTS (SELECT 1 FROM job_metrics m WHERE m.job_id = j.id AND {TrainLoss} IS NOT NULL)
        ORDER BY j.id
        """;

    // What the sweep's loss figure is drawn from, for its caption and for the version the page's image URL carries.
    private const string EpochReportsSql = """
        SELECT count(*), count(DISTINCT m.job_id) FROM job_metrics m JOIN jobs j ON j.id = m.job_id WHERE j.sweep_id = @sweep
        """;

    public async Task<IReadOnlyList<LossCurve>> ForSweepsAsync(IReadOnlyList<long> sweepIds, string? encoder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sweepIds);
        await using var command = dataSource.CreateCommand(CurvesSql);
        command.Parameters.Add(new NpgsqlParameter("sweeps", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = sweepIds.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("encoder", NpgsqlDbType.Text) { Value = (object?)encoder ?? DBNull.Value });
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>The curves of these jobs (any sweep), in job id order; a job without a reported loss has none.</summary>
    public async Task<IReadOnlyList<LossCurve>> ForJobsAsync(IReadOnlyList<long> jobIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        await using var command = dataSource.CreateCommand(JobCurvesSql);
        command.Parameters.Add(new NpgsqlParameter("jobs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = jobIds.ToArray() });
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>The sweep's jobs with a curve and their encoders, in job order: what a loss figure is planned from without reading every curve.</summary>
    public async Task<IReadOnlyList<(long JobId, string Encoder)>> JobsWithCurvesAsync(long sweepId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(JobsWithCurvesSql);
        command.Parameters.Add(new NpgsqlParameter("sweep", NpgsqlDbType.Bigint) { Value = sweepId });
        command.Parameters.Add(new NpgsqlParameter("trainLoss", NpgsqlDbType.Text) { Value = MetricCatalog.TrainLoss.Key });
        var jobs = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return jobs;
    }

    /// <summary>Epochs reported by the sweep's jobs (one row per job and epoch) and how many jobs reported any.</summary>
    public async Task<(long Epochs, long Jobs)> EpochReportsAsync(long sweepId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(EpochReportsSql);
        command.Parameters.Add(new NpgsqlParameter("sweep", NpgsqlDbType.Bigint) { Value = sweepId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<IReadOnlyList<LossCurve>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        command.Parameters.Add(new NpgsqlParameter("trainLoss", NpgsqlDbType.Text) { Value = MetricCatalog.TrainLoss.Key });
        command.Parameters.Add(new NpgsqlParameter("valLoss", NpgsqlDbType.Text) { Value = MetricCatalog.ValLoss.Key });

        var points = new List<(long Job, int Epoch, double Train, double? Val, string Label)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var label = string.Create(CultureInfo.InvariantCulture, $"{reader.GetString(4)} seed {reader.GetString(5)} (job {reader.GetInt64(0)})");
            points.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetDouble(2), reader.IsDBNull(3) ? null : reader.GetDouble(3), label));
        }

        return points
            .GroupBy(p => p.Job)
            .Select(g =>
            {
                var epochs = g.OrderBy(p => p.Epoch).ToList();
                var val = epochs.All(p => p.Val is not null) ? epochs.Select(p => p.Val!.Value).ToList() : [];
                return new LossCurve(epochs[0].Label, epochs.Select(p => (double)p.Epoch).ToList(), epochs.Select(p => p.Train).ToList(), val);
            })
            .ToList();
    }
}
