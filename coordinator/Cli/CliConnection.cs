using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Orchestrator.Protos;
using Orchestrator.Shared.Configuration;
using Orchestrator.Shared.Transport;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// The coordinator address, client token and trusted CAs a command uses: from --coordinator/--token/--ca, else
/// ORCH_COORDINATOR / ORCH_CLIENT_TOKEN / ORCH_CA_FILE, else the local credentials `orch serve` wrote. The
/// coordinator's TLS certificate must chain to a system CA or to one of the --ca file. Turns gRPC failures into
/// messages that say what to do.
/// </summary>
public sealed class CliConnection : IDisposable
{
    public const string DefaultAddress = LocalCredentials.DefaultAddress;
    private static bool warnedClearText;
    private readonly GrpcChannel channel;
    private readonly CoordinatorTrust trust;

    /// <exception cref="UsageException">the address is not http(s):// or the --ca file cannot be used</exception>
    public CliConnection(string? address, string? token, string? caFile = null)
    {
        var local = LocalCredentials.Load();
        Address = address ?? Environment.GetEnvironmentVariable(EnvironmentVariables.Coordinator) ?? local?.Coordinator ?? DefaultAddress;
        var resolved = token ?? Environment.GetEnvironmentVariable(EnvironmentVariables.ClientToken) ?? local?.ClientToken;
        if (!Uri.TryCreate(Address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--coordinator: '{Address}' is not an http:// or https:// address");
        }

        try
        {
            trust = CoordinatorTrust.Load(caFile ?? Environment.GetEnvironmentVariable(EnvironmentVariables.CaFile));
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message, e);
        }

        if (resolved is not null && LoopbackHost.SendsInClearText(uri) && !warnedClearText)
        {
            warnedClearText = true;
            Console.Error.WriteLine($"orch: warning: the client token goes to {Address} in clear text (http:// to another machine); " +
                                    "serve the coordinator with TLS and use https:// (README, Security)");
        }

        channel = GrpcChannel.ForAddress(uri, new GrpcChannelOptions { HttpHandler = trust.CreateHandler(), DisposeHttpClient = true });
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
            StatusCode.Unavailable when error.Trailers.GetValue(UnavailableReason.TrailerKey) == UnavailableReason.Database =>
                $"the coordinator at {Address} is up but its database is not ({error.Status.Detail}); try again in a moment.",
            // A refused handshake is Internal, a refused connection Unavailable: either may be a TLS mix-up.
            StatusCode.Unavailable or StatusCode.Internal when ExplainTransport(error) is { } transport => transport,
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

    /// <summary>A certificate not trusted, or http:// and https:// mixed up with what the coordinator speaks; null when neither.</summary>
    public string? ExplainTransport(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        // The CLI has no synchronization context to block; the probe takes one handshake at most.
        return TransportDiagnosis.ExplainAsync(new Uri(Address), error.Status.DebugException, trust).GetAwaiter().GetResult();
    }

    public void Dispose() => channel.Dispose();
}
