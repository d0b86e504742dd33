using Grpc.Core;
using Grpc.Core.Interceptors;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Shared.Transport;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>
/// The last word on how a call ends, for every service: a deliberate refusal (RpcException) passes through; a
/// call its client cancelled is CANCELLED; a database that is gone for now is UNAVAILABLE, which workers retry
/// (logged as one warning line, no stack trace: it is expected during restarts); anything else is a bug and becomes
/// INTERNAL with an error id that is also in the log, never UNKNOWN with nothing to go on.
/// </summary>
public sealed class RpcBoundaryInterceptor(UnexpectedErrors unexpected, ILogger<RpcBoundaryInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(request, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Translate(exception, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Translate(exception, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Translate(exception, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Translate(exception, context);
        }
    }

    private RpcException Translate(Exception exception, ServerCallContext context)
    {
        if (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away or its deadline passed; whatever failed after that is a consequence.
            return new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled by its client"));
        }

        if (DatabaseOutage.Is(exception))
        {
            logger.LogWarning("{Method}: the database is unavailable ({Reason}); answered UNAVAILABLE", context.Method, exception.Message);
            return new RpcException(
                new Status(StatusCode.Unavailable, "the coordinator's database is unavailable; retry"),
                new Metadata { { UnavailableReason.TrailerKey, UnavailableReason.Database } }); // the coordinator was reached
        }

        var errorId = Guid.CreateVersion7().ToString("N")[^12..];
        unexpected.Record(errorId, context.Method, exception);
        logger.LogError(exception, "{Method} failed unexpectedly (error id {ErrorId})", context.Method, errorId);
        return new RpcException(new Status(StatusCode.Internal,
            $"the coordinator failed to handle this call (error id {errorId}; its log has the details)"));
    }
}
