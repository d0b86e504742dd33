using Npgsql;
using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Tests.Results;

/// <summary>Sweeps, jobs and progress rows written straight into the database, as any version of the coordinator (or a person) may have left them.</summary>
internal static class StoredRows
{
    public static async Task<long> InsertSweepAsync(NpgsqlConnection connection, string name, int jobCount)
    {
        await using var sweep = new NpgsqlCommand(
            "INSERT INTO sweeps (name, spec, spec_hash, job_count, created_at) VALUES (@name, '{}', 'h', @count, now()) RETURNING id", connection);
        sweep.Parameters.AddWithValue("name", name);
        sweep.Parameters.AddWithValue("count", jobCount);
        return (long)(await sweep.ExecuteScalarAsync())!;
    }

    /// <summary>A finished job: succeeded with <paramref name="result"/> (JSON text), or failed when it is null.</summary>
    public static Task<long> InsertJobAsync(NpgsqlConnection connection, long sweepId, string key, string encoder, string parametersJson, string? result) =>
        InsertEndedJobAsync(connection, sweepId, key, encoder, parametersJson, result is null ? JobState.Failed : JobState.Succeeded,
            result is null ? "CUDA out of memory" : null, result);

    /// <summary>A job its sweep's early-stopping rule stopped: no result, only the epochs it reported (<see cref="InsertProgressAsync"/>).</summary>
    public static Task<long> InsertStoppedJobAsync(NpgsqlConnection connection, long sweepId, string key, string encoder, string parametersJson) =>
        InsertEndedJobAsync(connection, sweepId, key, encoder, parametersJson, JobState.Stopped, error: null, result: null);

    private static async Task<long> InsertEndedJobAsync(
        NpgsqlConnection connection, long sweepId, string key, string encoder, string parametersJson, JobState state, string? error, string? result)
    {
        const string sql = """
            INSERT INTO jobs (sweep_id, job_key, encoder, params, dataset, state, attempt, max_attempts, created_at, available_at,
                              started_at, finished_at, error, result)
            VALUES (@sweep, @key, @encoder, @params::jsonb, '{}', @state::job_state, 1, 3, now(), now(), now(), now(), @error, @result::jsonb)
            RETURNING id
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("sweep", sweepId);
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("encoder", encoder);
        command.Parameters.AddWithValue("params", parametersJson);
        command.Parameters.AddWithValue("state", StateLabels.Label(state));
        command.Parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
        command.Parameters.AddWithValue("result", (object?)result ?? DBNull.Value);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static async Task InsertProgressAsync(NpgsqlConnection connection, long jobId, int epoch, string metricsJson)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO job_metrics (job_id, attempt, epoch, step, metrics, recorded_at) VALUES (@job, 1, @epoch, 0, @metrics::jsonb, now())", connection);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("epoch", epoch);
        command.Parameters.AddWithValue("metrics", metricsJson);
        await command.ExecuteNonQueryAsync();
    }
}
