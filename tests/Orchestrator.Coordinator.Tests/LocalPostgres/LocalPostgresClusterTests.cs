using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Orchestrator.LocalPostgres;

namespace Orchestrator.Coordinator.Tests.LocalPostgres;

public sealed class LocalPostgresClusterTests : IDisposable
{
    private readonly List<string> directories = [];

    [Fact]
    public async Task Two_clusters_start_in_parallel_and_each_answers_queries()
    {
        var starts = Enumerable.Range(0, 2).Select(_ => LocalPostgresCluster.StartAsync(Throwaway())).ToArray();
        var clusters = await Task.WhenAll(starts);
        try
        {
            Assert.NotEqual(clusters[0].Port, clusters[1].Port);
            foreach (var cluster in clusters)
            {
                await using var connection = new NpgsqlConnection(cluster.ConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT current_database(), 6 * 7", connection);
                await using var reader = await command.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                Assert.Equal("orchestrator", reader.GetString(0));
                Assert.Equal(42, reader.GetInt32(1));
            }
        }
        finally
        {
            foreach (var cluster in clusters)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Persistent_cluster_keeps_its_rows_across_stop_and_start()
    {
        var options = Throwaway() with { Persistent = true };
        await using (var first = await LocalPostgresCluster.StartAsync(options))
        {
            await ExecuteAsync(first.ConnectionString, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (7), (8)");
        }

        Assert.True(File.Exists(Path.Combine(options.DataDirectory, "PG_VERSION")));
        await using var second = await LocalPostgresCluster.StartAsync(options);
        await using var connection = new NpgsqlConnection(second.ConnectionString);
        await connection.OpenAsync();
        await using var sum = new NpgsqlCommand("SELECT sum(v)::int FROM kept", connection);
        Assert.Equal(15, (int)(await sum.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_postmaster_pid_naming_a_reused_pid_does_not_block_the_next_start()
    {
        var options = Throwaway() with { Persistent = true };
        await using (var first = await LocalPostgresCluster.StartAsync(options))
        {
            await ExecuteAsync(first.ConnectionString, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)");
        }

        // What a container restart leaves: the server died with its container and its pid now belongs to another
        // process of the server's user, which PostgreSQL alone would take for a server still running.
        using var other = StartAsServerUser("sleep", "120");
        try
        {
            await File.WriteAllLinesAsync(Path.Combine(options.DataDirectory, "postmaster.pid"),
                [other.Id.ToString(CultureInfo.InvariantCulture), options.DataDirectory, "1700000000", "5432", "", "", ""]);

            await using var second = await LocalPostgresCluster.StartAsync(options);

            await using var connection = new NpgsqlConnection(second.ConnectionString);
            await connection.OpenAsync();
            await using var kept = new NpgsqlCommand("SELECT sum(v)::int FROM kept", connection);
            Assert.Equal(7, (int)(await kept.ExecuteScalarAsync())!);
            Assert.Null(second.StoppedOrphan);
            Assert.False(other.HasExited);
        }
        finally
        {
            other.Kill();
        }
    }

    [Fact]
    public async Task Throwaway_cluster_directory_is_removed_on_dispose()
    {
        var options = Throwaway();
        var cluster = await LocalPostgresCluster.StartAsync(options);
        Assert.True(Directory.Exists(options.DataDirectory));
        var connectionString = cluster.ConnectionString;

        await cluster.DisposeAsync();

        Assert.False(Directory.Exists(options.DataDirectory));
        await using var connection = new NpgsqlConnection(connectionString + ";Timeout=2");
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());
    }

    [Fact]
    public async Task Missing_binary_directory_names_what_is_missing_and_what_to_install()
    {
        var bogus = Path.Combine(Path.GetTempPath(), "no-postgres-here-" + Guid.NewGuid().ToString("N"));
        var options = Throwaway() with { BinDirectory = bogus };

        var error = await Assert.ThrowsAsync<PostgresNotInstalledException>(() => LocalPostgresCluster.StartAsync(options));

        Assert.Contains(bogus, error.Message, StringComparison.Ordinal);
        Assert.Contains("initdb", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(options.DataDirectory), "nothing is created when the binaries are missing");
    }

    [Fact]
    public async Task A_non_empty_directory_without_a_cluster_is_refused()
    {
        var options = Throwaway();
        Directory.CreateDirectory(options.DataDirectory);
        await File.WriteAllTextAsync(Path.Combine(options.DataDirectory, "notes.txt"), "mine");

        var error = await Assert.ThrowsAsync<LocalPostgresException>(() => LocalPostgresCluster.StartAsync(options));

        Assert.Contains("not empty", error.Message, StringComparison.Ordinal);
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(options.DataDirectory, "notes.txt")));
    }

    public void Dispose()
    {
        foreach (var directory in directories.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A process of the user PostgreSQL runs as (`postgres` when the tests run as root); setpriv execs, so its pid is the program's.</summary>
    private static Process StartAsServerUser(string program, params string[] arguments)
    {
        var info = Environment.UserName == "root" ? new ProcessStartInfo("setpriv") : new ProcessStartInfo(program);
        if (Environment.UserName == "root")
        {
            foreach (var argument in new[] { "--reuid=postgres", "--regid=postgres", "--init-groups", program })
            {
                info.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }

    private LocalPostgresOptions Throwaway()
    {
        var directory = Path.Combine(Path.GetTempPath(), "orch-pg-test-" + Guid.NewGuid().ToString("N"));
        directories.Add(directory);
        return new LocalPostgresOptions { DataDirectory = directory, Persistent = false, Unsafe = true };
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
