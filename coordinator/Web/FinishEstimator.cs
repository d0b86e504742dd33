using Dapper;
using Npgsql;
using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// The <see cref="FinishEstimate"/> of the active sweeps among those a page shows: one aggregate statement over their
/// job events (each attempt's lease, `running`, paired with its end by a window over the job's events), so a sweep of
/// 10,000 jobs costs one scan of its events by the per-sweep index, not a query per job.
/// </summary>
public sealed class FinishEstimator(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string SelectPace = """
        WITH paired AS (
            SELECT sweep_id, state, recorded_at,
                   lag(state) OVER attempt AS previous_state, lag(recorded_at) OVER attempt AS leased_at
            FROM job_events
            WHERE sweep_id = ANY(@ids)
            WINDOW attempt AS (PARTITION BY job_id, attempt ORDER BY id)
        )
        SELECT sweep_id, count(*)::int AS samples,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM recorded_at - leased_at))::float8 AS median_seconds
        FROM paired
        WHERE state IN ('succeeded', 'failed') AND previous_state = 'running'
        GROUP BY sweep_id
        """;

    private static readonly string Active = StateLabels.Label(SweepState.Active);
    private static readonly string Running = StateLabels.Label(JobState.Running);

    /// <summary>The estimates of those of <paramref name="sweeps"/> that are active and can be estimated, by sweep id.</summary>
    public async Task<IReadOnlyDictionary<long, FinishEstimate>> ForAsync(IReadOnlyList<SweepSummary> sweeps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sweeps);
        var active = sweeps.Where(s => s.State == Active && s.Counts[Running] > 0).ToList();
        if (active.Count == 0)
        {
            return new Dictionary<long, FinishEstimate>();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var paces = (await connection.QueryAsync<(long SweepId, int Samples, double MedianSeconds)>(new CommandDefinition(
                SelectPace, new { ids = active.Select(s => s.Id).ToArray() }, cancellationToken: cancellationToken)))
            .ToDictionary(p => p.SweepId, p => new SweepPace(TimeSpan.FromSeconds(Math.Max(0, p.MedianSeconds)), p.Samples));
        var now = time.GetUtcNow().UtcDateTime;
        var estimates = new Dictionary<long, FinishEstimate>();
        foreach (var sweep in active)
        {
            if (FinishEstimate.From(now, paces.GetValueOrDefault(sweep.Id), sweep.Counts[StateLabels.Label(JobState.Queued)], sweep.Counts[Running]) is { } estimate)
            {
                estimates[sweep.Id] = estimate;
            }
        }

        return estimates;
    }
}
