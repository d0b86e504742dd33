using Orchestrator.Coordinator.Storage;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>Migrates the schema before anything else starts; a failure (or a too-new schema) stops the host.</summary>
public sealed class SchemaMigrationService(SchemaMigrator migrator, ILogger<SchemaMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await migrator.MigrateAsync(cancellationToken);
        if (applied.Count > 0)
        {
            logger.LogInformation("Applied schema migrations {Versions}", string.Join(", ", applied));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
