using Orchestrator.LocalPostgres;
using Orchestrator.Shared.Configuration;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// The local PostgreSQL the coordinator runs when no connection string is configured (the README quick start):
/// a persistent cluster in the user's data directory, stopped when the coordinator stops. The coordinator holds
/// the directory's lock for its lifetime, so no second coordinator runs on it, and a server left running there by
/// a coordinator that crashed is stopped and started afresh.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private readonly DataDirectoryLock directoryLock;
    private readonly LocalPostgresCluster cluster;

    private EmbeddedPostgres(DataDirectoryLock directoryLock, LocalPostgresCluster cluster)
    {
        this.directoryLock = directoryLock;
        this.cluster = cluster;
    }

    public string ConnectionString => cluster.ConnectionString;

    public string DataDirectory => cluster.DataDirectory;

    /// <exception cref="DataDirectoryInUseException">another live coordinator uses the directory</exception>
    public static async Task<EmbeddedPostgres> StartAsync(string? dataDirectory, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var directory = Path.GetFullPath(dataDirectory ?? DefaultDataDirectory());
        var directoryLock = DataDirectoryLock.Acquire(directory);
        try
        {
            var cluster = await LocalPostgresCluster.StartAsync(
                new LocalPostgresOptions { DataDirectory = directory, Persistent = true, Database = "orchestrator" },
                cancellationToken);
            if (cluster.StoppedOrphan is { } orphan)
            {
                logger.LogWarning("The PostgreSQL server (pid {Pid}) a previous coordinator left running in {Directory} was stopped and started afresh",
                    orphan, directory);
            }

            return new EmbeddedPostgres(directoryLock, cluster);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// $XDG_DATA_HOME/orchestrator/pg, else ~/.local/share/orchestrator/pg. As root the server runs as the
    /// postgres user, who cannot enter /root, so root's cluster lives in /var/lib/orchestrator/pg.
    /// </summary>
    public static string DefaultDataDirectory()
    {
        if (!OperatingSystem.IsWindows() && Environment.UserName == "root")
        {
            return "/var/lib/orchestrator/pg";
        }

        var dataHome = Environment.GetEnvironmentVariable(EnvironmentVariables.XdgDataHome);
        if (string.IsNullOrWhiteSpace(dataHome))
        {
            dataHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }

        return Path.Combine(dataHome, "orchestrator", "pg");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await cluster.DisposeAsync();
        }
        finally
        {
            directoryLock.Dispose();
        }
    }
}
