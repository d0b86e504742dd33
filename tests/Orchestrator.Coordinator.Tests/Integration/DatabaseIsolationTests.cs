using Npgsql;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>The per-class database fixture: each test class writes into a database nobody else sees.</summary>
public sealed class DatabaseIsolationTests : IClassFixture<IsolatedDatabase>
{
    private readonly IsolatedDatabase database;

    public DatabaseIsolationTests(IsolatedDatabase database) => this.database = database;

    [Fact]
    public async Task Two_isolated_databases_on_the_same_server_do_not_share_tables()
    {
        var other = new IsolatedDatabase();
        await other.InitializeAsync();
        try
        {
            await ExecuteAsync(database.ConnectionString, "CREATE TABLE mine (v int); INSERT INTO mine VALUES (1)");

            Assert.NotEqual(
                new NpgsqlConnectionStringBuilder(database.ConnectionString).Database,
                new NpgsqlConnectionStringBuilder(other.ConnectionString).Database);
            Assert.Equal(1L, await ScalarAsync(database.ConnectionString, "SELECT count(*) FROM mine"));
            Assert.Equal(0L, await ScalarAsync(other.ConnectionString, "SELECT count(*) FROM pg_tables WHERE tablename = 'mine'"));
        }
        finally
        {
            await other.DisposeAsync();
        }

        Assert.Equal(0L, await ScalarAsync(
            await TestPostgresServer.GetAdminConnectionStringAsync(),
            $"SELECT count(*) FROM pg_database WHERE datname = '{new NpgsqlConnectionStringBuilder(other.ConnectionString).Database}'"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
