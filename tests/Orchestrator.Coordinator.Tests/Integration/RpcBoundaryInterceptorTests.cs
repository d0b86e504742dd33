using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orchestrator.Coordinator.Api.Boundary;
using Orchestrator.Shared.Transport;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>How the boundary interceptor ends a call whose handler threw: never UNKNOWN, and only bugs counted as unexpected.</summary>
public sealed class RpcBoundaryInterceptorTests
{
    private readonly UnexpectedErrors unexpected = new();

    public static TheoryData<string> TransientFailures => ["57P01", "57P03", "08006"];

    [Fact]
    public async Task A_bug_becomes_internal_with_an_error_id_and_is_counted()
    {
        var ended = await EndAsync(new InvalidOperationException("boom"));

        Assert.Equal(StatusCode.Internal, ended.StatusCode);
        Assert.Matches("error id [0-9a-f]{12}", ended.Status.Detail);
        Assert.DoesNotContain("boom", ended.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, unexpected.Count);
        Assert.Contains("boom", Assert.Single(unexpected.Recent), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TransientFailures))]
    public async Task A_database_going_away_becomes_unavailable_and_is_not_counted(string sqlState)
    {
        var ended = await EndAsync(new PostgresException("the database system is shutting down", "FATAL", "FATAL", sqlState));

        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Equal(UnavailableReason.Database, ended.Trailers.GetValue(UnavailableReason.TrailerKey));
        Assert.Equal(0, unexpected.Count);
    }

    [Fact]
    public async Task A_lost_connection_becomes_unavailable()
    {
        var ended = await EndAsync(new NpgsqlException("Exception while reading from stream", new System.IO.EndOfStreamException()));

        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Equal(0, unexpected.Count);
    }

    [Fact]
    public async Task A_refused_statement_is_a_bug_not_an_outage()
    {
        var ended = await EndAsync(new PostgresException("invalid byte sequence for encoding \"UTF8\": 0x00", "ERROR", "ERROR", "22021"));

        Assert.Equal(StatusCode.Internal, ended.StatusCode);
        Assert.Equal(1, unexpected.Count);
    }

    [Fact]
    public async Task A_call_its_client_cancelled_is_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var ended = await EndAsync(new OperationCanceledException(cancelled.Token), cancelled.Token);

        Assert.Equal(StatusCode.Cancelled, ended.StatusCode);
        Assert.Equal(0, unexpected.Count);
    }

    [Fact]
    public async Task A_refusal_passes_through_unchanged()
    {
        var refusal = new RpcException(new Status(StatusCode.NotFound, "sweep 7 does not exist"));

        var ended = await EndAsync(refusal);

        Assert.Same(refusal, ended);
        Assert.Equal(0, unexpected.Count);
    }

    private async Task<RpcException> EndAsync(Exception thrown, CancellationToken cancellationToken = default)
    {
        var interceptor = new RpcBoundaryInterceptor(unexpected, NullLogger<RpcBoundaryInterceptor>.Instance);
        return await Assert.ThrowsAsync<RpcException>(() => interceptor.UnaryServerHandler<string, string>(
            "request", new FakeCallContext(cancellationToken), (_, _) => Task.FromException<string>(thrown)));
    }

    /// <summary>Just enough of a call for the interceptor: its method name and cancellation.</summary>
    private sealed class FakeCallContext(CancellationToken cancellationToken) : ServerCallContext
    {
        protected override string MethodCore => "/orchestrator.v1.Test/Call";

        protected override string HostCore => "localhost";

        protected override string PeerCore => "ipv4:127.0.0.1:1";

        protected override DateTime DeadlineCore => DateTime.MaxValue;

        protected override Metadata RequestHeadersCore => [];

        protected override CancellationToken CancellationTokenCore => cancellationToken;

        protected override Metadata ResponseTrailersCore => [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore => new(null, []);

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
