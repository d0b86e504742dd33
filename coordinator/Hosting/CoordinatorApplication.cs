namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// Builds the coordinator's web application: the one way it is assembled, whether `orch serve` runs it or a process
/// starts it in-process (<see cref="CoordinatorHost"/>: `orch demo`, the benchmarks, the tests).
/// </summary>
public static class CoordinatorApplication
{
    /// <param name="settings">Configuration on top of appsettings and the environment (address, database, tokens…).</param>
    /// <param name="contentRoot">Where appsettings.json is looked for; null: the current directory, as ASP.NET does.</param>
    /// <param name="configureBuilder">Last say over the configuration before services are added (e.g. local tokens).</param>
    /// <param name="configureServices">Applied after the coordinator's registration (replacements, e.g. a fake clock).</param>
    public static WebApplication Build(
        IEnumerable<KeyValuePair<string, string?>> settings,
        string? contentRoot = null,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = contentRoot });
        builder.Configuration.AddInMemoryCollection(settings);
        configureBuilder?.Invoke(builder);
        builder.Services.AddCoordinator(builder.Configuration);
        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapCoordinator();
        return app;
    }
}
