using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// Test hook (<see cref="Shared.Configuration.EnvironmentVariables.AgentCallFault"/>): the first call of one
/// coordinator method fails with a chosen status, so end-to-end tests can break a job run at a known point.
/// The value is METHOD:STATUS[:WHEN], e.g. `Heartbeat:Unknown:on-cancel`. WHEN is `now` (the call never leaves),
/// `on-cancel` (the call hangs until the agent cancels it, then fails with STATUS instead of CANCELLED: a
/// heartbeat answered badly just as the trainer exits) or `after-answer` (the coordinator acted, the answer is lost).
/// </summary>
public sealed class CallFaultInjection : Interceptor
{
    private readonly string method;
    private readonly Status failure;
    private readonly string when;
    private int fired;

    private CallFaultInjection(string method, StatusCode status, string when)
    {
        this.method = method;
        failure = new Status(status, $"test hook: {method} failed with {status} ({when})");
        this.when = when;
    }

    /// <summary>The hook the variable asks for, or null when it is unset.</summary>
    public static CallFaultInjection? FromEnvironment() =>
        Environment.GetEnvironmentVariable(Shared.Configuration.EnvironmentVariables.AgentCallFault) is { Length: > 0 } value ? Parse(value) : null;

    public static CallFaultInjection Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var parts = value.Split(':');
        return parts.Length is 2 or 3 && Enum.TryParse<StatusCode>(parts[1], out var status) && (parts.Length == 2 || parts[2] is "now" or "on-cancel" or "after-answer")
            ? new CallFaultInjection(parts[0], status, parts.Length == 3 ? parts[2] : "now")
            : throw new ArgumentException($"{Shared.Configuration.EnvironmentVariables.AgentCallFault}: '{value}' is not METHOD:STATUS[:now|on-cancel|after-answer]", nameof(value));
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        if (context.Method.Name != method || Interlocked.Exchange(ref fired, 1) == 1)
        {
            return continuation(request, context);
        }

        var answer = FailAsync(request, context, continuation);
        return new AsyncUnaryCall<TResponse>(answer, Task.FromResult(new Metadata()), () => failure, () => [], () => { });
    }

    private async Task<TResponse> FailAsync<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class
    {
        if (when == "on-cancel")
        {
            // The test waits for this line: from here the call is in flight until the agent cancels it.
            await Console.Error.WriteLineAsync($"test hook: {method} held until the agent cancels it");
            await Task.Delay(Timeout.Infinite, context.Options.CancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        else if (when == "after-answer")
        {
            using var call = continuation(request, context);
            await call.ResponseAsync;
        }

        throw new RpcException(failure);
    }
}
