using System.CommandLine;
using Grpc.Health.V1;
using Orchestrator.Coordinator.Hosting;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// `orch health`: asks a coordinator's gRPC health service, for container health checks and scripts that have
/// no grpc_health_probe. Exit 0 only when the service answers SERVING. Needs no token.
/// </summary>
public static class HealthCommand
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    public static Command Create(CommonOptions common)
    {
        var service = new Option<string>("--service")
        {
            Description = $"health service to ask: \"\" (ready: serving and its database answers) or {CoordinatorHealth.LivenessService} (the process answers)",
            DefaultValueFactory = _ => string.Empty,
        };
        var command = new Command("health", "Whether a coordinator serves (gRPC health check); exit 0 when it does.\nExample: orch health --coordinator http://10.0.0.5:50051")
        {
            service,
        };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, common, async (cli, ct) =>
        {
            var request = new HealthCheckRequest { Service = parse.GetValue(service) ?? string.Empty };
            var answer = await cli.Connection.Health.CheckAsync(request, cli.Connection.Call(ct, Deadline));
            if (cli.Json)
            {
                CliContext.WriteJson(answer);
            }
            else
            {
                Console.WriteLine($"{cli.Connection.Address}: {answer.Status}");
            }

            return answer.Status == HealthCheckResponse.Types.ServingStatus.Serving ? ExitCode.Ok : ExitCode.Failed;
        }, cancellationToken));
        return command;
    }
}
