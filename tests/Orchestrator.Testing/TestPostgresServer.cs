using Npgsql;
using Orchestrator.LocalPostgres;

namespace Orchestrator.Testing;

/// <summary>
/// The PostgreSQL server of one test assembly: the one named by ORCH_TEST_DB (a connection string) when set,
/// else a throwaway cluster started from the installed binaries on first use and removed when the process exits.
/// </summary>
public static class TestPostgresServer
{
    public const string ConnectionVariable = TestEnvironmentVariables.TestDatabase;

    private static readonly Lazy<Task<string>> AdminConnection = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private const string DirectoryPrefix = "orch-test-pg-";
    private static LocalPostgresCluster? cluster;

    /// <summary>A connection string to the server's maintenance database, for creating per-class databases.</summary>
    public static Task<string> GetAdminConnectionStringAsync() => AdminConnection.Value;

    /// <summary>Creates a new, empty database with a unique name and returns a connection string to it.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var admin = await GetAdminConnectionStringAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing what still uses it.</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(await GetAdminConnectionStringAsync());
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private static async Task<string> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            return new NpgsqlConnectionStringBuilder(external) { Database = "postgres" }.ConnectionString;
        }

        RemoveClustersOfDeadRuns();
        var directory = Path.Combine(Path.GetTempPath(), $"{DirectoryPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        cluster = await LocalPostgresCluster.StartAsync(new LocalPostgresOptions
        {
            DataDirectory = directory,
            Persistent = false,
            Unsafe = true,
            Database = "postgres",
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.StopAsync().GetAwaiter().GetResult();
        return cluster.ConnectionStringFor("postgres");
    }

    /// <summary>
    /// The test host may be killed before its exit handler has removed the cluster; the next run clears what
    /// runs whose process is gone left behind, stopping a server that still runs there.
    /// </summary>
    private static void RemoveClustersOfDeadRuns()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            var pidText = Path.GetFileName(directory)[DirectoryPrefix.Length..].Split('-')[0];
            if (!int.TryParse(pidText, out var pid) || IsAlive(pid))
            {
                continue;
            }

            LocalPostgresCluster.ForceStop(directory);
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Another test process may be clearing the same leftovers.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
