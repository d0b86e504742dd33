using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orchestrator.Shared.Configuration;

namespace Orchestrator.Worker.Agent;

/// <summary>Service registration of the agent host, kept out of the host's start-up code.</summary>
public static class AgentRegistration
{
    /// <summary>
    /// The agent's options (checked when the host starts, so a bad setting stops it with the reason before it
    /// registers anywhere), its clock, and the parts every slot shares: the coordinator connection, the result
    /// outbox and its delivery.
    /// </summary>
    public static IServiceCollection AddWorkerAgent(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AgentOptions>()
            .Bind(configuration.GetSection(AgentOptions.Section))
            .PostConfigure(o => UseLocalCoordinator(o, configuration, LocalCredentials.Load()))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new CoordinatorContactFile(Options(sp).StateDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new CoordinatorConnection(
            Options(sp), Log(sp), sp.GetRequiredService<CoordinatorContactFile>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ResultOutbox(Options(sp).StateDirectory));
        services.AddSingleton(sp => new ResultDelivery(
            sp.GetRequiredService<CoordinatorConnection>(), sp.GetRequiredService<ResultOutbox>(), Log(sp)));
        services.AddSingleton<AgentMetrics>();
        services.AddHostedService<AgentMetricsServer>();
        services.AddHostedService<WorkerAgent>();
        return services;
    }

    private static AgentOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<AgentOptions>>().Value;

    private static ILogger Log(IServiceProvider services) => services.GetRequiredService<ILoggerFactory>().CreateLogger(WorkerAgent.LogCategory);

    /// <summary>A worker beside a local `orch serve` needs no flags: it takes that coordinator's address and worker token.</summary>
    private static void UseLocalCoordinator(AgentOptions options, IConfiguration configuration, LocalCredentials? local)
    {
        if (configuration[$"{AgentOptions.Section}:{nameof(AgentOptions.Coordinator)}"] is null && local is not null)
        {
            options.Coordinator = local.Coordinator;
        }

        if (string.IsNullOrWhiteSpace(options.Token))
        {
            // The coordinator's own variable for the worker token serves the agent too.
            options.Token = Environment.GetEnvironmentVariable(EnvironmentVariables.WorkerToken) ?? local?.WorkerToken ?? string.Empty;
        }

        // The variable `orch` reads serves the agent too, so one setting covers both on a machine.
        options.CaFile ??= Environment.GetEnvironmentVariable(EnvironmentVariables.CaFile);
    }
}
