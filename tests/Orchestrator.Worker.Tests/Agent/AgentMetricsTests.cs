using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orchestrator.LocalPostgres;
using Orchestrator.Shared.Monitoring;
using Orchestrator.Testing;
using Orchestrator.Worker.Agent;

namespace Orchestrator.Worker.Tests.Agent;

/// <summary>The agent's /metrics: per-slot series from the start, served by its own listener only when a port is given.</summary>
public sealed class AgentMetricsTests
{
    private static readonly Slot Cpu = new(0, "cpu", 0);
    private static readonly Slot Gpu = new(1, "cuda:0", 24L << 30, "0");

    [Fact]
    public async Task Every_slot_is_idle_at_zero_from_the_start_and_only_a_known_gpu_shows_memory()
    {
        var metrics = new AgentMetrics();
        metrics.SlotsPlanned([Cpu, Gpu, new Slot(2, "cuda:1", 0, "1")]);

        var page = await ScrapeAsync(metrics);

        Assert.Equal(3, page.Series(PrometheusNames.SlotBusy).Count());
        Assert.All(page.Series(PrometheusNames.SlotBusy), s => Assert.Equal(0, s.Value));
        Assert.Equal(0, page.Value(PrometheusNames.TrainerRestarts, (PrometheusNames.SlotLabel, "1")));
        Assert.Equal(24L << 30, page.Value(PrometheusNames.GpuMemoryTotal, (PrometheusNames.SlotLabel, "1")));
        Assert.Single(page.Series(PrometheusNames.GpuMemoryTotal)); // the CPU slot and the GPU of unknown memory have none
    }

    [Fact]
    public async Task A_busy_slot_shows_its_throughput_until_it_is_idle_again_and_a_resumed_trainer_is_a_restart()
    {
        var metrics = new AgentMetrics();
        metrics.SlotsPlanned([Cpu, Gpu]);

        metrics.SlotBusy(Gpu, busy: true);
        metrics.TrainerStarted(Gpu, resumed: false);
        metrics.Progress(Gpu, new Dictionary<string, double> { ["train_images_per_s"] = 812.5, ["train_loss"] = 2 });
        metrics.Progress(Gpu, new Dictionary<string, double> { ["train_loss"] = 1 }); // no throughput in it: unchanged
        metrics.EpochRelayed(Gpu);
        var busy = await ScrapeAsync(metrics);
        metrics.SlotBusy(Gpu, busy: false);
        metrics.TrainerStarted(Gpu, resumed: true);
        var idle = await ScrapeAsync(metrics);

        Assert.Equal(1, busy.Value(PrometheusNames.SlotBusy, (PrometheusNames.SlotLabel, "1"), (PrometheusNames.DeviceLabel, "cuda:0")));
        Assert.Equal(0, busy.Value(PrometheusNames.SlotBusy, (PrometheusNames.SlotLabel, "0")));
        Assert.Equal(812.5, busy.Value(PrometheusNames.TrainImagesPerSecond, (PrometheusNames.SlotLabel, "1")));
        Assert.Equal(1, busy.Value(PrometheusNames.EpochsRelayed, (PrometheusNames.SlotLabel, "1")));
        Assert.Equal(0, idle.Value(PrometheusNames.SlotBusy, (PrometheusNames.SlotLabel, "1")));
        Assert.Equal(0, idle.Value(PrometheusNames.TrainImagesPerSecond, (PrometheusNames.SlotLabel, "1")));
        Assert.Equal(2, idle.Value(PrometheusNames.TrainersStarted, (PrometheusNames.SlotLabel, "1")));
        Assert.Equal(1, idle.Value(PrometheusNames.TrainerRestarts, (PrometheusNames.SlotLabel, "1")));
    }

    [Fact]
    public async Task The_listener_serves_the_page_over_http_when_a_port_is_given()
    {
        var port = LoopbackPort.PickFree();
        var metrics = new AgentMetrics();
        metrics.SlotsPlanned([Cpu]);
        await using var server = new AgentMetricsServer(Options.Create(new AgentOptions { MetricsPort = port }), metrics, NullLoggerFactory.Instance);

        await server.StartAsync(CancellationToken.None);
        var page = await PrometheusText.ScrapeAsync(new Uri($"http://127.0.0.1:{port}{PrometheusNames.ScrapePath}"));
        await server.StopAsync(CancellationToken.None);

        Assert.Equal(0, page.Value(PrometheusNames.SlotBusy, (PrometheusNames.SlotLabel, "0"), (PrometheusNames.DeviceLabel, "cpu")));
    }

    private static async Task<PrometheusText> ScrapeAsync(AgentMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
