using Microsoft.Extensions.Options;
using Npgsql;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// The database the coordinator uses: the configured connection string, or else an embedded local PostgreSQL
/// started on first use (and stopped when the host disposes this).
/// </summary>
public sealed class CoordinatorDatabase : IAsyncDisposable
{
    private readonly EmbeddedPostgres? embedded;

    private CoordinatorDatabase(string connectionString, EmbeddedPostgres? embedded)
    {
        ConnectionString = connectionString;
        this.embedded = embedded;
    }

    /// <summary>
    /// The name of this coordinator's pool, which Npgsql's measurements carry. Unique per coordinator: Npgsql's meter
    /// is process-wide, and two coordinators of one process (tests, tools) must not report each other's pool.
    /// </summary>
    public string PoolName { get; } = "orchestrator-coordinator-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    public string ConnectionString { get; }

    /// <summary>Resolved once at host start; starting an embedded server blocks that one call, never a request.</summary>
    public static CoordinatorDatabase Open(IOptions<DatabaseOptions> options, ILogger<CoordinatorDatabase> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configured = options.Value.ConnectionString;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new CoordinatorDatabase(configured, null);
        }

        var embedded = EmbeddedPostgres.StartAsync(options.Value.EmbeddedDataDirectory, logger).GetAwaiter().GetResult();
        logger.LogInformation("No connection string configured (ConnectionStrings:{Name}); using the local PostgreSQL in {Directory}",
            DatabaseOptions.ConnectionStringName, embedded.DataDirectory);
        return new CoordinatorDatabase(embedded.ConnectionString, embedded);
    }

    public NpgsqlDataSource CreateDataSource()
    {
        var builder = new NpgsqlDataSourceBuilder(ConnectionString);
        var settings = builder.ConnectionStringBuilder;
        settings.ApplicationName ??= "orchestrator-coordinator";

        // Npgsql labels its measurements with the pool's name (the connection string when unnamed): the name lets
        // /metrics pick this pool's out of the process's (NpgsqlMeterBridge).
        builder.Name = PoolName;

        // The hot path is a handful of fixed statements on short-lived pooled connections that change no session
        // state: prepare them once per connection and skip the DISCARD ALL each reuse would otherwise send.
        // Explicit settings in the connection string win.
        var given = new NpgsqlConnectionStringBuilder(ConnectionString);
        if (!given.ContainsKey("Max Auto Prepare"))
        {
            settings.MaxAutoPrepare = 32;
        }

        if (!given.ContainsKey("No Reset On Close"))
        {
            settings.NoResetOnClose = true;
        }
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        if (embedded is not null)
        {
            await embedded.DisposeAsync();
        }
    }
}
