using Orchestrator.LocalPostgres;
using Orchestrator.Shared.Configuration;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// The local PostgreSQL the coordinator runs when no connection string is configured (the README quick start):
/// a persistent cluster in the user's data directory, stopped when the coordinator stops.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private readonly LocalPostgresCluster cluster;

    private EmbeddedPostgres(LocalPostgresCluster cluster) => this.cluster = cluster;

    public string ConnectionString => cluster.ConnectionString;

    public string DataDirectory => cluster.DataDirectory;

    public static async Task<EmbeddedPostgres> StartAsync(string? dataDirectory, CancellationToken cancellationToken = default)
    {
        var cluster = await LocalPostgresCluster.StartAsync(
            new LocalPostgresOptions { DataDirectory = dataDirectory ?? DefaultDataDirectory(), Persistent = true, Database = "orchestrator" },
            cancellationToken);
        return new EmbeddedPostgres(cluster);
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

    public ValueTask DisposeAsync() => cluster.DisposeAsync();
}
