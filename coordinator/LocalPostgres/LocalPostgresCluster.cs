using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace Orchestrator.LocalPostgres;

/// <summary>
/// A PostgreSQL server started from the installed binaries on a free loopback port, with a private socket
/// directory and a generated superuser password. Used by the test fixture (a throwaway cluster per test run)
/// and by `orch` for its embedded default (a persistent cluster in the user's data directory).
/// Disposing stops the server it started; a throwaway cluster's directory is removed.
/// </summary>
public sealed class LocalPostgresCluster : IAsyncDisposable
{
    private const string SuperUser = "postgres";
    private const string PasswordFileName = "orchestrator-superuser.password";
    private const string LogFileName = "server.log";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly LocalPostgresOptions options;
    private readonly PostgresBinaries binaries;
    private readonly string socketDirectory;
    private readonly string password;
    private bool stopped;

    private LocalPostgresCluster(LocalPostgresOptions options, PostgresBinaries binaries, string socketDirectory, string password, int port, int? stoppedOrphan)
    {
        StoppedOrphan = stoppedOrphan;
        this.options = options;
        this.binaries = binaries;
        this.socketDirectory = socketDirectory;
        this.password = password;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The pid of a server left running in the directory by a process that died, stopped before this start; null when there was none.</summary>
    public int? StoppedOrphan { get; }

    public string DataDirectory => options.DataDirectory;

    /// <summary>Connection string for <see cref="LocalPostgresOptions.Database"/> as the cluster's superuser.</summary>
    public string ConnectionString => ConnectionStringFor(options.Database);

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Password = password,
        Database = database,
    }.ConnectionString;

    /// <summary>
    /// Initialises the cluster if needed, starts it and creates the database; throws with the server's words on failure.
    /// A server still running in the directory for a process that died is stopped first (see <see cref="StoppedOrphan"/>):
    /// callers that may share a directory hold its <see cref="DataDirectoryLock"/>, so such a server is no one's.
    /// </summary>
    public static async Task<LocalPostgresCluster> StartAsync(LocalPostgresOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var binaries = PostgresBinaries.Locate(options.BinDirectory);
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        options = options with { DataDirectory = dataDirectory };

        var password = await InitialiseOnceAsync(binaries, dataDirectory, cancellationToken);
        var socketDirectory = await PrivateSocketDirectoryAsync(dataDirectory, cancellationToken);
        var stoppedOrphan = await OrphanedServer.StopAsync(binaries, dataDirectory, cancellationToken);

        // A port picked free can be taken before the server binds it (parallel clusters): try a few.
        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            var port = options.Port ?? LoopbackPort.PickFree();
            var started = await TryStartServerAsync(binaries, options, socketDirectory, port, cancellationToken);
            if (started.Succeeded)
            {
                var cluster = new LocalPostgresCluster(options, binaries, socketDirectory, password, port, stoppedOrphan);
                try
                {
                    await cluster.CreateDatabaseIfMissingAsync(options.Database, cancellationToken);
                }
                catch
                {
                    await cluster.DisposeAsync();
                    throw;
                }

                return cluster;
            }

            var log = ReadLogTail(dataDirectory);
            var portClash = log.Contains("could not bind", StringComparison.OrdinalIgnoreCase) ||
                            log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase);
            if (!portClash || options.Port is not null || attempt == attempts)
            {
                if (socketDirectory != dataDirectory)
                {
                    TryDelete(socketDirectory);
                }

                throw new LocalPostgresException(
                    $"PostgreSQL in {dataDirectory} did not start on port {port}.{Environment.NewLine}" +
                    $"pg_ctl said: {started.Output.Trim()}{Environment.NewLine}Server log ({LogFileName}), last lines:{Environment.NewLine}{log}");
            }
        }
    }

    /// <summary>Stops a server left running in <paramref name="dataDirectory"/> by a process that is gone (immediate mode).</summary>
    public static void ForceStop(string dataDirectory, string? binDirectory = null)
    {
        if (!File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
        {
            return;
        }

        var binaries = PostgresBinaries.Locate(binDirectory);
        ServerCommand.RunAsServerUserAsync(binaries.PgCtl, ["stop", "-D", dataDirectory, "-m", "immediate", "-w"], CancellationToken.None)
            .GetAwaiter().GetResult();
    }

    /// <summary>Creates a database if it does not exist yet (used per test class for isolation).</summary>
    public async Task CreateDatabaseIfMissingAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return;
        }

        // Identifiers cannot be parameters; quote it the way PostgreSQL does.
        var quoted = "\"" + database.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Stops the server process but keeps the cluster, as a database restart, failover (<see cref="PostgresStopMode.Fast"/>,
    /// the default) or crash (<see cref="PostgresStopMode.Immediate"/>) does to its clients; <see cref="StartServerAsync"/>
    /// brings it back on the same port.
    /// </summary>
    public async Task StopServerAsync(PostgresStopMode mode = PostgresStopMode.Fast, CancellationToken cancellationToken = default)
    {
        var result = await ServerCommand.RunAsServerUserAsync(
            binaries.PgCtl, ["stop", "-D", DataDirectory, "-m", mode == PostgresStopMode.Immediate ? "immediate" : "fast", "-w", "-t", ((int)StopTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)], cancellationToken);
        if (!result.Succeeded)
        {
            throw new LocalPostgresException($"pg_ctl stop failed for {DataDirectory}: {result.Output.Trim()}");
        }
    }

    /// <summary>Starts the server again after <see cref="StopServerAsync"/>, on the same port and with the same settings.</summary>
    public async Task StartServerAsync(CancellationToken cancellationToken = default)
    {
        var result = await TryStartServerAsync(binaries, options, socketDirectory, Port, cancellationToken);
        if (!result.Succeeded)
        {
            throw new LocalPostgresException(
                $"PostgreSQL in {DataDirectory} did not start again on port {Port}: {result.Output.Trim()}{Environment.NewLine}{ReadLogTail(DataDirectory)}");
        }
    }

    /// <summary>Stops the server (fast shutdown); a throwaway cluster's directory is then removed.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        NpgsqlConnection.ClearAllPools();
        var result = await ServerCommand.RunAsServerUserAsync(
            binaries.PgCtl,
            // A throwaway cluster's data is about to be deleted: skip the shutdown checkpoint.
            ["stop", "-D", DataDirectory, "-m", options.Persistent ? "fast" : "immediate", "-w", "-t", ((int)StopTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)],
            cancellationToken);
        if (socketDirectory != DataDirectory)
        {
            TryDelete(socketDirectory);
        }

        if (!options.Persistent)
        {
            TryDelete(DataDirectory);
        }

        if (!result.Succeeded && options.Persistent)
        {
            throw new LocalPostgresException($"pg_ctl stop failed for {DataDirectory}: {result.Output.Trim()}");
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static async Task<string> InitialiseOnceAsync(PostgresBinaries binaries, string dataDirectory, CancellationToken cancellationToken)
    {
        var passwordFile = Path.Combine(dataDirectory, PasswordFileName);
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            if (!File.Exists(passwordFile))
            {
                throw new LocalPostgresException(
                    $"{dataDirectory} holds a PostgreSQL cluster that this program did not create ({PasswordFileName} is missing). " +
                    "Use an empty or new directory, or connect to that server with a connection string instead.");
            }

            return (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();
        }

        if (Directory.Exists(dataDirectory) && Directory.EnumerateFileSystemEntries(dataDirectory).Any())
        {
            throw new LocalPostgresException(
                $"{dataDirectory} is not empty and holds no PostgreSQL cluster; refusing to initialise one there. Choose an empty directory.");
        }

        Directory.CreateDirectory(dataDirectory);
        await HandToServerUserAsync(dataDirectory, cancellationToken);
        await EnsureServerUserCanReachAsync(dataDirectory, cancellationToken);

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var pwFile = Path.Combine(Path.GetTempPath(), $"orch-pg-pw-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(pwFile, password, cancellationToken);
        try
        {
            await HandToServerUserAsync(pwFile, cancellationToken);
            var result = await ServerCommand.RunAsServerUserAsync(
                binaries.InitDb,
                ["-D", dataDirectory, "-U", SuperUser, "--pwfile", pwFile, "--auth-local=scram-sha-256",
                 "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-instructions"],
                cancellationToken);
            if (!result.Succeeded)
            {
                throw new LocalPostgresException($"initdb failed for {dataDirectory}:{Environment.NewLine}{result.Output.Trim()}");
            }
        }
        finally
        {
            File.Delete(pwFile);
        }

        // Written after initdb, which insists on an empty directory. Owner-only: it is the superuser's password.
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await HandToServerUserAsync(passwordFile, cancellationToken);
        return password;
    }

    private static Task<CommandResult> TryStartServerAsync(
        PostgresBinaries binaries, LocalPostgresOptions options, string socketDirectory, int port, CancellationToken cancellationToken)
    {
        var serverOptions = string.Join(' ',
            "-p", port.ToString(CultureInfo.InvariantCulture),
            "-k", socketDirectory,
            "-c", "listen_addresses=127.0.0.1",
            "-c", "max_connections=" + options.MaxConnections.ToString(CultureInfo.InvariantCulture),
            options.Unsafe ? "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" : string.Empty);
        return ServerCommand.RunAsServerUserAsync(
            binaries.PgCtl,
            ["start", "-D", options.DataDirectory, "-w", "-t", ((int)options.StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
             "-l", Path.Combine(options.DataDirectory, LogFileName), "-o", serverOptions],
            cancellationToken);
    }

    private static async Task HandToServerUserAsync(string path, CancellationToken cancellationToken)
    {
        if (!ServerCommand.RunningAsRoot)
        {
            return;
        }

        var result = await ServerCommand.RunAsync("chown", ["-R", $"{ServerCommand.ServiceUser}:", path], cancellationToken);
        if (!result.Succeeded)
        {
            throw new LocalPostgresException(
                $"Running as root, the cluster must belong to the '{ServerCommand.ServiceUser}' user, but chown failed on {path}: " +
                $"{result.Output.Trim()}. Create that user (Debian: it comes with the postgresql package) or run as a normal user.");
        }
    }

    private static async Task EnsureServerUserCanReachAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        if (!ServerCommand.RunningAsRoot)
        {
            return;
        }

        var probe = await ServerCommand.RunAsServerUserAsync("test", ["-w", dataDirectory], cancellationToken);
        if (!probe.Succeeded)
        {
            throw new LocalPostgresException(
                $"Running as root, the server runs as '{ServerCommand.ServiceUser}', which cannot reach {dataDirectory} " +
                "(a parent directory is private, e.g. /root). Choose a data directory under /var/lib or /tmp.");
        }
    }

    /// <summary>
    /// The Unix socket goes into the data directory itself (private to the server user, removed with a throwaway
    /// cluster) unless its path would exceed the 107-byte socket-path limit; then into a private temp directory.
    /// </summary>
    private static async Task<string> PrivateSocketDirectoryAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        const int longestSocketPath = 100; // sun_path is 108 bytes; ".s.PGSQL.65535.lock" must fit after the directory
        if (dataDirectory.Length + "/.s.PGSQL.65535.lock".Length <= longestSocketPath)
        {
            return dataDirectory;
        }

        var socketDirectory = Directory.CreateTempSubdirectory("orch-pg-sock-").FullName;
        await HandToServerUserAsync(socketDirectory, cancellationToken);
        return socketDirectory;
    }


    private static string ReadLogTail(string dataDirectory)
    {
        try
        {
            var lines = File.ReadAllLines(Path.Combine(dataDirectory, LogFileName));
            return string.Join(Environment.NewLine, lines.TakeLast(15));
        }
        catch (IOException)
        {
            return "(no server log)";
        }
        catch (UnauthorizedAccessException)
        {
            return "(server log not readable)";
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory is harmless and must not mask the real outcome.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
