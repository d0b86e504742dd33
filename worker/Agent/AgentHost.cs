using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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
        builder.Services.AddWorkerAgent(builder.Configuration);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.Configuration.GetValue("Agent:ShutdownGrace", TimeSpan.FromSeconds(60)));
        using var host = builder.Build();
        try
        {
            await host.RunAsync();
        }
        catch (OptionsValidationException e)
        {
            Console.Error.WriteLine("orch-worker: cannot start: " + string.Join("; ", e.Failures));
            return 2;
        }

        return 0;
    }
}
