using Dapper;
using Npgsql;

namespace Orchestrator.Coordinator.Web;

/// <summary>The jobs the workers on a page hold now, in one statement: at most a page of workers times their slots.</summary>
public sealed class RunningJobsQuery(NpgsqlDataSource dataSource)
{
    private const string SelectRunning = """
        SELECT lease_owner AS worker_id, id AS job_id, sweep_id FROM jobs
        WHERE state = 'running' AND lease_owner = ANY(@workers)
        ORDER BY lease_owner, id
        """;

    public async Task<ILookup<string, RunningJob>> ByWorkerAsync(IReadOnlyList<string> workerIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workerIds);
        if (workerIds.Count == 0)
        {
            return Array.Empty<(string, RunningJob)>().ToLookup(j => j.Item1, j => j.Item2, StringComparer.Ordinal);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string WorkerId, long JobId, long SweepId)>(new CommandDefinition(
            SelectRunning, new { workers = workerIds.ToArray() }, cancellationToken: cancellationToken));
        return rows.ToLookup(r => r.WorkerId, r => new RunningJob(r.JobId, r.SweepId), StringComparer.Ordinal);
    }
}

/// <summary>A job a worker runs now, and its sweep (the page a link leads to).</summary>
public sealed record RunningJob(long JobId, long SweepId);
