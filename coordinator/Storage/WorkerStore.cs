using Dapper;
using Npgsql;

namespace Orchestrator.Coordinator.Storage;

/// <summary>Registered workers and their liveness.</summary>
public sealed class WorkerStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Insert = """
        INSERT INTO workers (id, name, host, devices, version, state, registered_at, last_seen_at)
        VALUES (@id, @name, @host, @devices::jsonb, @version, 'online', @now, @now)
        """;

    // Worker ids are version-7 GUIDs in hex, so their order is registration order and a page resumes after an id.
    private const string SelectPage = """
        SELECT w.id, w.name, w.host, w.devices::text AS devices, w.version, w.state::text AS state, w.registered_at, w.last_seen_at,
               (SELECT count(*) FROM jobs j WHERE j.lease_owner = w.id AND j.state = 'running') AS running_jobs
        FROM workers w WHERE (@after::text IS NULL OR w.id > @after) ORDER BY w.id LIMIT @limit
        """;

    private const string MarkSilentOffline = """
        UPDATE workers SET state = 'offline' WHERE state = 'online' AND last_seen_at < @cutoff RETURNING id
        """;

    public async Task<string> RegisterAsync(string name, string host, string devicesJson, string version, CancellationToken cancellationToken = default)
    {
        var id = Guid.CreateVersion7().ToString("N");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(Insert,
            new { id, name, host, devices = devicesJson, version, now = time.GetUtcNow().UtcDateTime }, cancellationToken: cancellationToken));
        return id;
    }

    /// <summary>Up to <paramref name="limit"/> workers in registration order, after the worker <paramref name="afterId"/> (null: from the first).</summary>
    public async Task<IReadOnlyList<WorkerRow>> ListAsync(string? afterId, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<WorkerRow>(new CommandDefinition(SelectPage, new { after = afterId, limit }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Marks offline every online worker not seen since <paramref name="cutoff"/>; returns their ids.</summary>
    public async Task<IReadOnlyList<string>> MarkSilentOfflineAsync(DateTime cutoff, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(MarkSilentOffline, new { cutoff }, cancellationToken: cancellationToken))).AsList();
    }
}
