using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Orchestrator.Coordinator.Api.Boundary;
using Orchestrator.Shared.Monitoring;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// A coordinator started in this process on a free loopback port, with real Kestrel and real gRPC: used by
/// `orch demo`, the integration tests and the benchmarks, built as `orch serve` builds it (<see cref="CoordinatorApplication"/>).
/// </summary>
public sealed class CoordinatorHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly List<GrpcChannel> channels = [];

    private CoordinatorHost(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The Prometheus scrape address, when the settings gave the metrics endpoint a port (<see cref="PlainHttpEndpoint.Metrics"/>).</summary>
    public Uri? MetricsAddress => PlainHttpEndpoint.Metrics.Port(app.Configuration) is { } port ? new Uri($"http://127.0.0.1:{port}{PrometheusNames.ScrapePath}") : null;

    public IServiceProvider Services => app.Services;

    /// <summary>
    /// When set, <see cref="DisposeAsync"/> throws after stopping if any call ended in an unexpected error (INTERNAL):
    /// tests set it, so a test that provokes a handler exception fails even when it asserts something else.
    /// </summary>
    public bool FailOnUnexpectedErrors { get; set; }

    /// <summary>
    /// Starts with <paramref name="settings"/> on top of the defaults (connection string, tokens, intervals…) and
    /// <paramref name="configureServices"/> applied last (replacements, e.g. a fake <see cref="TimeProvider"/>).
    /// </summary>
    public static async Task<CoordinatorHost> StartAsync(
        IEnumerable<KeyValuePair<string, string?>> settings,
        Action<IServiceCollection>? configureServices = null,
        LogLevel minimumLogLevel = LogLevel.Warning,
        CancellationToken cancellationToken = default)
    {
        var all = CoordinatorEndpoint.Settings("http://127.0.0.1:0");
        foreach (var (key, value) in settings)
        {
            all[key] = value; // the caller's settings win, a fixed port included
        }

        var app = CoordinatorApplication.Build(
            all,
            contentRoot: AppContext.BaseDirectory,
            configureBuilder: builder => builder.Logging.SetMinimumLevel(minimumLogLevel),
            configureServices: configureServices);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new CoordinatorHost(app, new Uri(address));
    }

    /// <summary>A call invoker that sends <paramref name="token"/> as its bearer token (none when null).</summary>
    public CallInvoker Connect(string? token)
    {
        var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        lock (channels)
        {
            channels.Add(channel);
        }

        if (token is null)
        {
            return channel.CreateCallInvoker();
        }

        var authorization = $"Bearer {token}"; // built once, not on every call of a benchmark's loop
        return channel.Intercept(metadata =>
        {
            metadata.Add("authorization", authorization);
            return metadata;
        });
    }

    public async ValueTask DisposeAsync()
    {
        lock (channels)
        {
            channels.ForEach(c => c.Dispose());
            channels.Clear();
        }

        var unexpected = app.Services.GetRequiredService<UnexpectedErrors>();
        await app.StopAsync();
        await app.DisposeAsync();
        if (FailOnUnexpectedErrors && unexpected.Count > 0)
        {
            throw new InvalidOperationException(
                $"{unexpected.Count} call(s) ended in an unexpected error (INTERNAL):{Environment.NewLine}{string.Join(Environment.NewLine, unexpected.Recent)}");
        }
    }
}
