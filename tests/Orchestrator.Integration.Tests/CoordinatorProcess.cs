using System.Diagnostics;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Orchestrator.Shared.Configuration;

namespace Orchestrator.Integration.Tests;

/// <summary>`orch serve` as its own process, as an operator runs it: a coordinator that can be killed outright.</summary>
public static class CoordinatorProcess
{
    /// <param name="name">the name its log lines carry</param>
    /// <param name="address">where it serves gRPC (--listen)</param>
    /// <param name="settings">configuration keys (`Coordinator:Queue:LeaseDuration`), given as environment variables the way a deployment sets them</param>
    /// <param name="home">a scratch folder for its XDG folders</param>
    public static LoggedProcess Start(string name, Uri address, IReadOnlyDictionary<string, string?> settings, string home)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(settings);
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = home };
        foreach (var argument in new[] { OrchProcess.Executable, "serve", "--listen", address.ToString().TrimEnd('/') })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        info.Environment[EnvironmentVariables.XdgConfigHome] = Path.Combine(home, "config");
        info.Environment[EnvironmentVariables.XdgDataHome] = Path.Combine(home, "data");
        LogSettings.ApplyTo(info);
        return LoggedProcess.Start(info, name);
    }

    /// <summary>Waits until the coordinator's gRPC health service answers SERVING (migrated, database reachable).</summary>
    public static async Task WaitUntilServingAsync(Uri address, LoggedProcess coordinator, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        using var channel = GrpcChannel.ForAddress(address);
        var health = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !coordinator.HasExited)
        {
            try
            {
                var answer = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (answer.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{coordinator.Name} at {address} did not start serving within {timeout.TotalSeconds:F0} s{Environment.NewLine}{coordinator.Log}");
    }
}
