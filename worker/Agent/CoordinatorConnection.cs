using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Orchestrator.Protos;
using Orchestrator.Shared.Transport;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// The agent's calls to the coordinator. The coordinator may vanish (restart, network): calls that fail for
/// that reason are retried with exponential backoff and jitter until they succeed or the agent stops; every
/// other failure (fencing refusals included) reaches the caller at once. Given several addresses (coordinators
/// sharing one database), a call that finds its coordinator unreachable is retried on the next one; one whose
/// coordinator answers that its database is unavailable is retried on the same one. The
/// coordinator's TLS certificate must chain to a system CA or one of the --ca file; a refused certificate or an
/// http/https mix-up is logged as what it is (and retried like an outage: it may be fixed on the server's side).
/// </summary>
public sealed class CoordinatorConnection : IDisposable
{
    private static readonly StatusCode[] Transient =
        [StatusCode.Unavailable, StatusCode.DeadlineExceeded, StatusCode.Internal, StatusCode.ResourceExhausted, StatusCode.Aborted, StatusCode.Unknown];

    /// <summary>Deadline of a call that names none: far above a healthy answer, well below a lease.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(30);

    private readonly Endpoint[] endpoints;
    private readonly Metadata headers;
    private readonly TimeSpan maxDelay;
    private readonly CoordinatorContactFile? contact;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly CoordinatorTrust trust;
    private int current;

    public CoordinatorConnection(AgentOptions options, ILogger logger, CoordinatorContactFile? contact = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Token))
        {
            throw new ArgumentException("a worker token is required: --token, or ORCH_AGENT__TOKEN in the environment", nameof(options));
        }

        // The channel's own reconnect backoff grows to 2 minutes by default: after a long outage it would keep
        // failing calls fast for that long after the coordinator is back. Capped like our retries, it reconnects
        // within a few seconds, well inside a lease.
        trust = CoordinatorTrust.Load(options.CaFile);
        var fault = CallFaultInjection.FromEnvironment();
        endpoints = ParseAddresses(options.Coordinator).Select(address =>
        {
            if (LoopbackHost.SendsInClearText(address))
            {
                logger.LogWarning("The worker token goes to {Address} in clear text (http:// to another machine); serve the coordinator with TLS and use https:// (README, Security)", address);
            }

            var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReconnectBackoff = options.MaxRetryDelay, HttpHandler = trust.CreateHandler(), DisposeHttpClient = true });
            return new Endpoint(address, channel, new WorkerService.WorkerServiceClient(fault is null ? channel.CreateCallInvoker() : channel.Intercept(fault)));
        }).ToArray();
        headers = new Metadata { { "authorization", "Bearer " + options.Token } };
        maxDelay = options.MaxRetryDelay;
        this.contact = contact;
        this.logger = logger;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>The client of the coordinator calls go to now; read it inside the call delegate, so a retry reaches the next one.</summary>
    public WorkerService.WorkerServiceClient Client => endpoints[Volatile.Read(ref current)].Client;

    /// <summary>The address calls go to now.</summary>
    public Uri Address => endpoints[Volatile.Read(ref current)].Address;

    /// <summary>`--coordinator` takes one address or a comma-separated list of them.</summary>
    public static IReadOnlyList<Uri> ParseAddresses(string addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var parsed = addresses.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(a => Uri.TryCreate(a, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new ArgumentException($"--coordinator: '{a}' is not an http:// or https:// address", nameof(addresses)))
            .ToList();
        return parsed.Count > 0 ? parsed : throw new ArgumentException("--coordinator: no address given", nameof(addresses));
    }

    /// <summary>One call, repeated while the coordinator is unreachable.</summary>
    public async Task<T> CallAsync<T>(string what, Func<CallOptions, Task<T>> call, CancellationToken cancellationToken, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        for (var failures = 0; ; failures++)
        {
            var used = Volatile.Read(ref current);
            try
            {
                // gRPC measures deadlines against the wall clock, not the agent's TimeProvider.
                var options = new CallOptions(headers, DateTime.UtcNow + (deadline ?? DefaultDeadline), cancellationToken);
                var answer = await call(options);
                contact?.Touch();
                return answer;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                // The agent is stopping: the call was cancelled by us, not refused. As a cancellation it ends the
                // loops quietly; as an RpcException it would escape them and read as a failed background service.
                throw new OperationCanceledException($"{what} cancelled: the agent is stopping", ex, cancellationToken);
            }
            catch (RpcException ex) when (Transient.Contains(ex.StatusCode) && !cancellationToken.IsCancellationRequested)
            {
                var delay = BackoffDelay(failures, maxDelay);
                if (failures == 0 || failures % 5 == 0)
                {
                    var transport = ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal
                        ? await TransportDiagnosis.ExplainAsync(endpoints[used].Address, ex.Status.DebugException, trust, cancellationToken)
                        : null;
                    if (transport is not null)
                    {
                        logger.LogError("{What}: {Problem}; retrying in {Delay:F1} s", what, transport, delay.TotalSeconds);
                    }
                    else if (IsDatabaseOutage(ex))
                    {
                        logger.LogWarning("{What}: coordinator {Address} answers that its database is unavailable; retrying it in {Delay:F1} s",
                            what, endpoints[used].Address, delay.TotalSeconds);
                    }
                    else
                    {
                        logger.LogWarning("{What}: coordinator {Address} unreachable ({Status}: {Detail}); retrying in {Delay:F1} s",
                            what, endpoints[used].Address, ex.StatusCode, ex.Status.Detail, delay.TotalSeconds);
                    }
                }

                if (!IsDatabaseOutage(ex))
                {
                    FailOver(used);
                }

                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    /// <summary>Exponential backoff with full jitter: many agents coming back together do not hit the coordinator in step.</summary>
    public static TimeSpan BackoffDelay(int failures, TimeSpan maxDelay) =>
        Random.Shared.NextDouble() * BackoffCeiling(failures, maxDelay);

    /// <summary>The longest delay after <paramref name="failures"/> failed tries: 250 ms doubling with each, up to <paramref name="maxDelay"/>.</summary>
    public static TimeSpan BackoffCeiling(int failures, TimeSpan maxDelay) =>
        TimeSpan.FromMilliseconds(Math.Min(maxDelay.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures, 20))));

    /// <summary>
    /// UNAVAILABLE from a coordinator that was reached but lost its database for now (a PostgreSQL restart). The
    /// coordinators share that database, so another one would answer the same: the agent stays and retries.
    /// </summary>
    public static bool IsDatabaseOutage(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.StatusCode == StatusCode.Unavailable && error.Trailers.GetValue(UnavailableReason.TrailerKey) == UnavailableReason.Database;
    }

    public static bool IsFencingRefusal(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound;
    }

    public void Dispose()
    {
        foreach (var endpoint in endpoints)
        {
            endpoint.Channel.Dispose();
        }
    }

    /// <summary>
    /// Moves on from the address that failed. Several slots fail together when a coordinator dies; only the first
    /// of them moves the agent on, so the others do not skip the coordinator that still answers.
    /// </summary>
    private void FailOver(int failed)
    {
        if (endpoints.Length == 1)
        {
            return;
        }

        var next = (failed + 1) % endpoints.Length;
        if (Interlocked.CompareExchange(ref current, next, failed) == failed)
        {
            logger.LogWarning("switching from coordinator {Failed} to {Next}", endpoints[failed].Address, endpoints[next].Address);
        }
    }

    private sealed record Endpoint(Uri Address, GrpcChannel Channel, WorkerService.WorkerServiceClient Client);
}
