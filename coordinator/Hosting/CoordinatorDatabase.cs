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

        var embedded = EmbeddedPostgres.StartAsync(options.Value.EmbeddedDataDirectory).GetAwaiter().GetResult();
        logger.LogInformation("No connection string configured (ConnectionStrings:{Name}); using the local PostgreSQL in {Directory}",
            DatabaseOptions.ConnectionStringName, embedded.DataDirectory);
        return new CoordinatorDatabase(embedded.ConnectionString, embedded);
    }

    public NpgsqlDataSource CreateDataSource()
    {
        var builder = new NpgsqlDataSourceBuilder(ConnectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "orchestrator-coordinator";
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
