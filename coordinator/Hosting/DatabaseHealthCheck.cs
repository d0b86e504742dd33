using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>The coordinator serves only while its database answers; the gRPC health service reports this.</summary>
public sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (NpgsqlException exception)
        {
            return HealthCheckResult.Unhealthy("the database does not answer", exception);
        }
    }
}
