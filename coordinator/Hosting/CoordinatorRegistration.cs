namespace Orchestrator.Coordinator.Hosting;

/// <summary>Service registration and endpoint mapping of the coordinator host, kept out of Program.cs.</summary>
public static class CoordinatorRegistration
{
    public static IServiceCollection AddCoordinator(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddGrpc();
        services.AddGrpcHealthChecks();
        services.AddGrpcReflection();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    public static WebApplication MapCoordinator(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
