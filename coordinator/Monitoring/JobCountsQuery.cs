using Dapper;
using Npgsql;

namespace Orchestrator.Coordinator.Monitoring;

/// <summary>
/// The job counts behind the gauges: one GROUP BY over the jobs of active and recently ended sweeps (the
/// jobs_by_sweep_state index serves it) and the count of online workers, batched into one call.
/// </summary>
public sealed class JobCountsQuery(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Counts = """
        SELECT j.sweep_id, j.state::text AS state_label, count(*) AS jobs,
               count(*) FILTER (WHERE j.state = 'queued' AND j.available_at <= @now) AS ready
        FROM jobs j JOIN sweeps s ON s.id = j.sweep_id
        WHERE s.state = 'active' OR s.finished_at >= @now - @window
        GROUP BY j.sweep_id, j.state;
        SELECT count(*) FROM workers WHERE state = 'online';
        """;

    /// <param name="finishedWindow">how long after its end a sweep still counts</param>
    /// <param name="cancellationToken">the scrape's</param>
    public async Task<JobCounts> ReadAsync(TimeSpan finishedWindow, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(Counts,
            new { now = time.GetUtcNow().UtcDateTime, window = finishedWindow }, cancellationToken: cancellationToken));
        var counts = (await results.ReadAsync<SweepStateCount>()).AsList();
        var online = await results.ReadSingleAsync<long>();
        return new JobCounts(counts, online);
    }
}
