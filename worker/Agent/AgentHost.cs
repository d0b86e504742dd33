using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Orchestrator.Worker.Agent;

/// <summary>Builds the agent's host: configuration from appsettings, ORCH_ environment variables and the command line.</summary>
public static class AgentHost
{
    /// <summary>Command-line switches mapped onto the Agent section (`--coordinator URL` → Agent:Coordinator).</summary>
    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--coordinator"] = "Agent:Coordinator",
        ["--token"] = "Agent:Token",
        ["--devices"] = "Agent:Devices",
        ["--slots"] = "Agent:Slots",
        ["--name"] = "Agent:Name",
        ["--checkpoint-root"] = "Agent:CheckpointRoot",
        ["--data-root"] = "Agent:DataRoot",
        ["--weights-dir"] = "Agent:WeightsDirectory",
        ["--state-dir"] = "Agent:StateDirectory",
        ["--lease-wait"] = "Agent:LeaseWait",
        ["--kill-grace"] = "Agent:KillGrace",
        ["--shutdown-grace"] = "Agent:ShutdownGrace",
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddEnvironmentVariables(prefix: "ORCH_");
        builder.Configuration.AddCommandLine(args, Switches);
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
