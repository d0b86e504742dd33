using Orchestrator.Coordinator.Hosting;
using Prometheus;

namespace Orchestrator.Coordinator.Monitoring;

/// <summary>Registration and mapping of the coordinator's Prometheus endpoint, kept out of the host's assembly code.</summary>
public static class MonitoringRegistration
{
    /// <summary>The instruments, the database gauges and Npgsql's own meter (database call latency and pool figures).</summary>
    public static IServiceCollection AddCoordinatorMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.Section));
        services.AddSingleton<CoordinatorMetrics>();
        services.AddSingleton<JobCountsQuery>();
        services.AddSingleton<JobGauges>();
        services.AddSingleton<NpgsqlMeterBridge>();
        return services;
    }

    /// <summary>Serves `/metrics` on the metrics endpoint's port alone, when one is configured.</summary>
    public static WebApplication MapCoordinatorMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (PlainHttpEndpoint.Metrics.Port(app.Configuration) is not { } port)
        {
            return app;
        }

        var metrics = app.Services.GetRequiredService<CoordinatorMetrics>();
        _ = app.Services.GetRequiredService<NpgsqlMeterBridge>();

        // The job gauges need the database: resolved at the first scrape, so building the host starts no database
        // (`orch serve` opens it itself, to report a refusal in one line).
        var services = app.Services;
        metrics.Registry.AddBeforeCollectCallback(cancellationToken => services.GetRequiredService<JobGauges>().RefreshAsync(cancellationToken));
        app.UseMetricServer(port, Shared.Monitoring.PrometheusNames.ScrapePath, metrics.Registry);

        // The metrics port answers /metrics alone: without this every other route (the dashboard, its login) was served
        // there too, and a port meant to be opened to the monitoring network would have been a way into the dashboard.
        app.Use(async (context, next) =>
        {
            if (context.Connection.LocalPort == port)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await next(context);
        });
        return app;
    }
}
