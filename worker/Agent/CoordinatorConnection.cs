using Grpc.Core;
using Grpc.Net.Client;
using Orchestrator.Protos;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// The agent's calls to the coordinator. The coordinator may vanish (restart, network): calls that fail for
/// that reason are retried with exponential backoff and full jitter until they succeed or the agent stops;
/// every other failure (fencing refusals included) reaches the caller at once.
/// </summary>
public sealed class CoordinatorConnection : IDisposable
{
    private static readonly StatusCode[] Transient =
        [StatusCode.Unavailable, StatusCode.DeadlineExceeded, StatusCode.Internal, StatusCode.ResourceExhausted, StatusCode.Aborted, StatusCode.Unknown];

    private readonly GrpcChannel channel;
    private readonly Metadata headers;
    private readonly TimeSpan maxDelay;
    private readonly ILogger logger;

    public CoordinatorConnection(AgentOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Token))
        {
            throw new ArgumentException("a worker token is required: --token, or ORCH_AGENT__TOKEN in the environment", nameof(options));
        }

        channel = GrpcChannel.ForAddress(options.Coordinator);
        Client = new WorkerService.WorkerServiceClient(channel);
        headers = new Metadata { { "authorization", "Bearer " + options.Token } };
        maxDelay = options.MaxRetryDelay;
        this.logger = logger;
    }

    public WorkerService.WorkerServiceClient Client { get; }

    /// <summary>One call, repeated while the coordinator is unreachable.</summary>
    public async Task<T> CallAsync<T>(string what, Func<CallOptions, Task<T>> call, CancellationToken cancellationToken, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        for (var failures = 0; ; failures++)
        {
            try
            {
                var options = new CallOptions(headers, DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(30)), cancellationToken);
                return await call(options);
            }
            catch (RpcException ex) when (Transient.Contains(ex.StatusCode) && !cancellationToken.IsCancellationRequested)
            {
                var delay = BackoffDelay(failures, maxDelay);
                if (failures == 0 || failures % 5 == 0)
                {
                    logger.LogWarning("{What}: coordinator unreachable ({Status}: {Detail}); retrying in {Delay:F1} s",
                        what, ex.StatusCode, ex.Status.Detail, delay.TotalSeconds);
                }

                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    /// <summary>Exponential backoff with full jitter: many agents coming back together do not hit the coordinator in step.</summary>
    public static TimeSpan BackoffDelay(int failures, TimeSpan maxDelay)
    {
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures, 20)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }

    public static bool IsFencingRefusal(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound;
    }

    public void Dispose() => channel.Dispose();
}
