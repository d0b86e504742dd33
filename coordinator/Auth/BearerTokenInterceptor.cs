using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Orchestrator.Coordinator.Auth;

/// <summary>
/// Admits a call to one service only with that service's role token. No or an unknown token is
/// UNAUTHENTICATED; the other role's token is PERMISSION_DENIED, so a worker cannot submit or cancel sweeps.
/// </summary>
public sealed class BearerTokenInterceptor : Interceptor
{
    private const string Scheme = "Bearer ";
    private readonly CallerRole required;
    private readonly AcceptedTokens tokens;

    public BearerTokenInterceptor(CallerRole required, AcceptedTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        this.required = required;
        this.tokens = tokens;
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "a bearer token is required (authorization: Bearer <token>)"));
        }

        var role = tokens.RoleOf(header[Scheme.Length..].Trim());
        if (role is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the bearer token is not valid"));
        }

        if (role != required)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"a {role.Value.ToString().ToLowerInvariant()} token may not call {context.Method}"));
        }
    }
}
