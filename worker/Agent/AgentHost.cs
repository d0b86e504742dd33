using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Shared.Configuration;

namespace Orchestrator.Worker.Agent;

/// <summary>Builds the agent's host: configuration from appsettings, ORCH_ environment variables and the command line.</summary>
public static class AgentHost
{
    /// <param name="commandLine">settings from the command line (`Agent:Coordinator` → URL), which win over the others</param>
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string?> commandLine)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddEnvironmentVariables(prefix: "ORCH_");
        builder.Configuration.AddInMemoryCollection(commandLine);
        builder.Services.Configure<AgentOptions>(builder.Configuration.GetSection(AgentOptions.Section));
        // A worker beside a local `orch serve` needs no flags: it takes that coordinator's address and worker token.
        var local = LocalCredentials.Load();
        var configuration = builder.Configuration;
        builder.Services.PostConfigure<AgentOptions>(o =>
        {
            if (configuration["Agent:Coordinator"] is null && local is not null)
            {
                o.Coordinator = local.Coordinator;
            }

            if (string.IsNullOrWhiteSpace(o.Token))
            {
                // The coordinator's own variable for the worker token serves the agent too.
                o.Token = Environment.GetEnvironmentVariable(EnvironmentVariables.WorkerToken) ?? local?.WorkerToken ?? string.Empty;
            }
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.Configuration.GetValue("Agent:ShutdownGrace", TimeSpan.FromSeconds(60)));
        builder.Services.AddHostedService<WorkerAgent>();
        using var host = builder.Build();
        await host.RunAsync();
        return 0;
    }
}
