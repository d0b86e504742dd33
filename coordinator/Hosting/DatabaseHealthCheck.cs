using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orchestrator.Coordinator.Storage;

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
            // The reason without the exception: probes ask every few seconds through an outage, and the health
            // service logs an unhealthy result's exception with its whole stack trace each time.
            return HealthCheckResult.Unhealthy($"the database does not answer: {DatabaseOutage.Describe(exception)}");
        }
    }
}
