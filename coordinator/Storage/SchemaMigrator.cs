using System.Globalization;
using System.Reflection;
using Dapper;
using Npgsql;

namespace Orchestrator.Coordinator.Storage;

/// <summary>
/// Applies the embedded SQL migrations (`Storage/Migrations/NNNN_name.sql`) in order, each in its own
/// transaction, under a PostgreSQL advisory lock so coordinators starting together migrate once. Refuses a
/// database whose schema is newer than this build knows: old code must not write into a schema it does not understand.
/// </summary>
public sealed class SchemaMigrator
{
    // Arbitrary, fixed: every coordinator takes the same lock.
    private const long MigrationLockKey = 0x0_4F52_4348_5354_52;

    private const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version     integer PRIMARY KEY,
            name        text NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now())
        """;

    private const string Lock = "SELECT pg_advisory_lock(@key)";
    private const string Unlock = "SELECT pg_advisory_unlock(@key)";
    private const string CurrentVersion = "SELECT coalesce(max(version), 0) FROM schema_version";
    private const string RecordVersion = "INSERT INTO schema_version (version, name) VALUES (@version, @name)";

    private readonly NpgsqlDataSource dataSource;

    public SchemaMigrator(NpgsqlDataSource dataSource) => this.dataSource = dataSource;

    public static IReadOnlyList<Migration> Known { get; } = LoadEmbedded();

    public static int LatestVersion => Known[^1].Version;

    /// <summary>Brings the schema to <see cref="LatestVersion"/>; returns the versions it applied.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(Lock, new { key = MigrationLockKey }, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(CreateVersionTable, cancellationToken: cancellationToken));
            var current = await connection.ExecuteScalarAsync<int>(new CommandDefinition(CurrentVersion, cancellationToken: cancellationToken));
            if (current > LatestVersion)
            {
                throw new SchemaTooNewException(current, LatestVersion);
            }

            var applied = new List<int>();
            foreach (var migration in Known.Where(m => m.Version > current))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(RecordVersion, new { version = migration.Version, name = migration.Name }, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                applied.Add(migration.Version);
            }

            return applied;
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition(Unlock, new { key = MigrationLockKey }, cancellationToken: CancellationToken.None));
        }
    }

    private static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => Read(assembly, n))
            .OrderBy(m => m.Version)
            .ToList();
        if (migrations.Count == 0 || migrations.Select(m => m.Version).Distinct().Count() != migrations.Count)
        {
            throw new InvalidOperationException("embedded migrations are missing or have duplicate version numbers");
        }

        return migrations;
    }

    private static Migration Read(Assembly assembly, string resource)
    {
        var fileName = resource["Migrations.".Length..^".sql".Length];
        var separator = fileName.IndexOf('_', StringComparison.Ordinal);
        var version = int.Parse(fileName[..separator], NumberStyles.None, CultureInfo.InvariantCulture);
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return new Migration(version, fileName[(separator + 1)..], reader.ReadToEnd());
    }
}

public sealed record Migration(int Version, string Name, string Sql);
