using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Orchestrator.Coordinator.Api.Boundary;
using Orchestrator.Protos;
using Orchestrator.Shared.Configuration;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// The coordinator address and client token a command uses: from --coordinator/--token, else ORCH_COORDINATOR /
/// ORCH_CLIENT_TOKEN, else the local credentials `orch serve` wrote. Turns gRPC failures into messages that
/// say what to do.
/// </summary>
public sealed class CliConnection : IDisposable
{
    public const string DefaultAddress = LocalCredentials.DefaultAddress;
    private readonly GrpcChannel channel;

    public CliConnection(string? address, string? token)
    {
        var local = LocalCredentials.Load();
        Address = address ?? Environment.GetEnvironmentVariable(EnvironmentVariables.Coordinator) ?? local?.Coordinator ?? DefaultAddress;
        var resolved = token ?? Environment.GetEnvironmentVariable(EnvironmentVariables.ClientToken) ?? local?.ClientToken;
        channel = GrpcChannel.ForAddress(Address);
        Headers = resolved is null ? [] : new Metadata { { "authorization", "Bearer " + resolved } };
        Sweeps = new SweepService.SweepServiceClient(channel);
        Results = new ResultsService.ResultsServiceClient(channel);
        Health = new Health.HealthClient(channel);
    }

    public string Address { get; }

    public Metadata Headers { get; }

    public SweepService.SweepServiceClient Sweeps { get; }

    public ResultsService.ResultsServiceClient Results { get; }

    public Health.HealthClient Health { get; }

    public CallOptions Call(CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        new(Headers, timeout is null ? null : DateTime.UtcNow + timeout, cancellationToken);

    /// <summary>What to tell the user about a failed call.</summary>
    public string Explain(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.StatusCode switch
        {
            StatusCode.Unavailable when error.Trailers.GetValue(RpcBoundaryInterceptor.UnavailableReasonKey) == RpcBoundaryInterceptor.DatabaseUnavailable =>
                $"the coordinator at {Address} is up but its database is not ({error.Status.Detail}); try again in a moment.",
            StatusCode.ResourceExhausted =>
                $"the coordinator at {Address} refused the request as too large: {error.Status.Detail} (Coordinator:Limits:MaxReceiveMessageBytes).",
            StatusCode.Internal =>
                $"the coordinator at {Address} failed: {error.Status.Detail}. Its log has the details under that error id.",
            StatusCode.Unavailable or StatusCode.DeadlineExceeded =>
                $"could not reach the coordinator at {Address} ({error.Status.Detail}). Start one with `orch serve`, " +
                "or point at yours with --coordinator URL or ORCH_COORDINATOR.",
            StatusCode.Unauthenticated =>
                $"the coordinator at {Address} refused the token: {error.Status.Detail}. Pass the client token with --token or " +
                EnvironmentVariables.ClientToken + " (a local `orch serve` writes it to " + LocalCredentials.FilePath + ").",
            StatusCode.PermissionDenied =>
                $"{error.Status.Detail}: that is a worker token; commands need the client token (--token or ORCH_CLIENT_TOKEN).",
            _ => error.Status.Detail,
        };
    }

    public void Dispose() => channel.Dispose();
}
