using Dapper;
using Npgsql;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Coordinator.Tests.Results;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Storage;

/// <summary>
/// A database from before epochs were stored once (migration 0004) may hold copies of an epoch: the migration
/// keeps the newest row of each (job, epoch) and then refuses new copies.
/// </summary>
public sealed class EpochOnceMigrationTests
{
    private const int EpochOnceVersion = 4;

    [Fact]
    public async Task Copies_of_an_epoch_in_an_old_database_shrink_to_the_newest_one()
    {
        var fresh = await TestPostgresServer.CreateDatabaseAsync("epoch-once");
        try
        {
            await using var connection = new NpgsqlConnection(fresh);
            await connection.OpenAsync();
            await ApplyBeforeAsync(connection, EpochOnceVersion);
            var sweep = await StoredRows.InsertSweepAsync(connection, "old", 1);
            var job = await StoredRows.InsertJobAsync(connection, sweep, "k", "tiny_cnn", """{"epochs": 3}""", """{"t2i_r1": 0.5}""");
            foreach (var (attempt, epoch, loss) in new[] { (1, 1, 4.0), (1, 2, 3.0), (2, 1, 3.9), (2, 2, 2.9), (2, 3, 2.0) })
            {
                await connection.ExecuteAsync(
                    "INSERT INTO job_metrics (job_id, attempt, epoch, step, metrics, recorded_at) VALUES (@job, @attempt, @epoch, 0, jsonb_build_object('train_loss', @loss), now())",
                    new { job, attempt, epoch, loss });
            }

            await using (var dataSource = NpgsqlDataSource.Create(fresh))
            {
                Assert.Equal([EpochOnceVersion], (await new SchemaMigrator(dataSource).MigrateAsync()).Where(v => v == EpochOnceVersion));
            }

            var rows = (await connection.QueryAsync<(int Epoch, int Attempt, double Loss)>(
                "SELECT epoch, attempt, (metrics->>'train_loss')::float8 FROM job_metrics ORDER BY epoch")).AsList();
            var copy = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(
                "INSERT INTO job_metrics (job_id, attempt, epoch, step, metrics, recorded_at) VALUES (@job, 3, 3, 0, '{}', now())", new { job }));

            Assert.Equal([(1, 2, 3.9), (2, 2, 2.9), (3, 2, 2.0)], rows);
            Assert.Equal(PostgresErrorCodes.UniqueViolation, copy.SqlState);
        }
        finally
        {
            await TestPostgresServer.DropDatabaseAsync(fresh);
        }
    }

    /// <summary>The schema as a coordinator of migrations 1 … <paramref name="version"/> - 1 left it.</summary>
    private static async Task ApplyBeforeAsync(NpgsqlConnection connection, int version)
    {
        await connection.ExecuteAsync("CREATE TABLE schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        foreach (var migration in SchemaMigrator.Known.Where(m => m.Version < version))
        {
            await connection.ExecuteAsync(migration.Sql);
            await connection.ExecuteAsync("INSERT INTO schema_version (version, name) VALUES (@Version, @Name)", migration);
        }
    }
}
