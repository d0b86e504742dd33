using Microsoft.Extensions.Options;
using Prometheus;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// Serves <see cref="AgentMetrics"/> at http://+:PORT/metrics when the agent is given a metrics port (`--metrics-port`,
/// off by default), with prometheus-net's own small HTTP listener: the agent has no web server, and gains none for this.
/// No token: the page holds slot states and throughput, no secret.
/// </summary>
public sealed class AgentMetricsServer(IOptions<AgentOptions> options, AgentMetrics metrics, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private IMetricServer? server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MetricsPort is not { } port)
        {
            return Task.CompletedTask;
        }

        var logger = loggers.CreateLogger(WorkerAgent.LogCategory);
        try
        {
            server = new MetricServer(hostname: "+", port: port, url: "metrics/", registry: metrics.Registry).Start();
        }
        catch (System.Net.HttpListenerException e)
        {
            throw new InvalidOperationException(
                $"--metrics-port {port}: cannot listen there ({e.Message}); pick a free port or leave the option out to serve no metrics", e);
        }

        logger.LogInformation("Prometheus metrics at http://+:{Port}/metrics", port);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (server is not null)
        {
            await server.StopAsync();
            server = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}
