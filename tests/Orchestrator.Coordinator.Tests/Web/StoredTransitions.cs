using Orchestrator.Coordinator.Tests.Integration;

namespace Orchestrator.Coordinator.Tests.Web;

/// <summary>
/// Jobs moved through their states straight in the database, as the worker API would move them, with the transition
/// trigger recording the events: a page under test then sees running, finished and failed jobs without a worker.
/// </summary>
internal static class StoredTransitions
{
    /// <summary>The first <paramref name="count"/> jobs of the sweep (by id) leased by <paramref name="workerId"/>; returns their ids.</summary>
    public static async Task<List<long>> LeaseAsync(string connectionString, long sweepId, string workerId, int count)
    {
        const string sql = """
            UPDATE jobs SET state = 'running', lease_owner = @worker, lease_expires_at = now() + interval '1 hour', started_at = now()
            WHERE id IN (SELECT id FROM jobs WHERE sweep_id = @sweep AND state = 'queued' ORDER BY id LIMIT @count)
            RETURNING id
            """;
        return await TestCoordinator.QueryAsync<long>(connectionString, sql, new { sweep = sweepId, worker = workerId, count });
    }

    /// <summary>Ends running jobs: succeeded (with an empty result) or failed (with an error).</summary>
    public static async Task EndAsync(string connectionString, IEnumerable<long> jobIds, bool succeeded)
    {
        const string sql = """
            UPDATE jobs SET state = CASE WHEN @succeeded THEN 'succeeded'::job_state ELSE 'failed'::job_state END,
                            lease_owner = NULL, lease_expires_at = NULL, finished_at = now(),
                            result = CASE WHEN @succeeded THEN '{}'::jsonb END, error = CASE WHEN @succeeded THEN NULL ELSE 'CUDA out of memory' END
            WHERE id = ANY(@ids) AND state = 'running'
            RETURNING id
            """;
        await TestCoordinator.QueryAsync<long>(connectionString, sql, new { ids = jobIds.ToArray(), succeeded });
    }

    /// <summary>Sets when a job's event of <paramref name="state"/> was recorded (the trigger uses the real clock).</summary>
    public static async Task SetEventTimeAsync(string connectionString, long jobId, string state, DateTime at)
    {
        const string sql = "UPDATE job_events SET recorded_at = @at WHERE job_id = @job AND state = @state::job_state RETURNING id";
        await TestCoordinator.QueryAsync<long>(connectionString, sql, new { job = jobId, state, at });
    }
}
