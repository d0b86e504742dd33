using System.Globalization;
using Orchestrator.LocalPostgres;
using Orchestrator.Shared.Monitoring;
using Orchestrator.Testing;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// `/metrics` of a real coordinator and a real `orch-worker` agent scraped over HTTP around a small sweep: the
/// coordinator's numbers are compared with the database's rows, the agent's with what its slot did.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class PrometheusMetricsTests
{
    private static readonly TimeSpan SweepTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task After_a_three_job_sweep_the_scrapes_match_the_database_and_the_agent_s_slot()
    {
        await using var bed = await AgentTestBed.CreateAsync(metrics: true);
        var agentPort = LoopbackPort.PickFree();
        var agentMetrics = new Uri($"http://127.0.0.1:{agentPort}{PrometheusNames.ScrapePath}");
        // The first trainer holds after its first epoch, so the agent is scraped while its slot is known to be busy.
        var environment = new Dictionary<string, string>(bed.HoldTrainersAfterEpoch(1))
        {
            ["ORCH_AGENT__METRICSPORT"] = agentPort.ToString(CultureInfo.InvariantCulture),
        };
        bed.StartWorker("scraped", slots: 1, environment: environment);
        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("scraped", seeds: 3, epochs: 2));

        await bed.WaitForHeldTrainersAsync(1, SweepTimeout);
        PrometheusText? busy = null;
        await bed.WaitUntilAsync("the agent to show its first epoch relayed", async () =>
        {
            busy = await PrometheusText.ScrapeAsync(agentMetrics);
            return busy.Sum(PrometheusNames.EpochsRelayed) >= 1;
        }, SweepTimeout);
        bed.ReleaseTrainers();
        await bed.WaitForSweepEndAsync(sweep, SweepTimeout);
        var coordinator = await PrometheusText.ScrapeAsync(bed.Coordinator!.MetricsAddress!);
        var agent = await PrometheusText.ScrapeAsync(agentMetrics);

        // Coordinator: job gauges by state equal the rows; histogram counts equal the leases and completions the
        // job_events table recorded; the epoch counter equals the epoch rows.
        var jobs = await bed.JobsAsync(sweep);
        Assert.True(jobs.All(j => j.State == Shared.States.JobState.Succeeded), bed.Logs);
        var sweepLabel = (PrometheusNames.SweepLabel, sweep.ToString(CultureInfo.InvariantCulture));
        foreach (var state in Shared.States.StateLabels.JobStateLabels)
        {
            Assert.Equal(jobs.Count(j => Shared.States.StateLabels.Label(j.State) == state),
                coordinator.Value(PrometheusNames.Jobs, sweepLabel, (PrometheusNames.StateLabel, state)));
        }

        var leases = await bed.ScalarAsync<long>("SELECT count(*) FROM job_events WHERE sweep_id = @id AND state = 'running'", sweep);
        var completions = await bed.ScalarAsync<long>("SELECT count(*) FROM job_events WHERE sweep_id = @id AND state = 'succeeded'", sweep);
        var epochRows = await bed.ScalarAsync<long>("SELECT count(*) FROM job_metrics m JOIN jobs j ON j.id = m.job_id WHERE j.sweep_id = @id", sweep);
        Assert.Equal((3L, 3L, 6L), (leases, completions, epochRows));
        Assert.Equal(leases, coordinator.Value(PrometheusNames.LeaseWait + "_count"));
        Assert.Equal(completions, coordinator.Value(PrometheusNames.LeaseToComplete + "_count"));
        Assert.Equal(epochRows, coordinator.Value(PrometheusNames.EpochsReported));
        Assert.True(coordinator.Value(PrometheusNames.Heartbeats) >= 1, coordinator.Text);
        Assert.Equal(1, coordinator.Value(PrometheusNames.WorkersOnline));
        Assert.Equal(0, coordinator.Value(PrometheusNames.QueueDepth));
        Assert.Equal(0, coordinator.Sum(PrometheusNames.Failures));

        // Agent: busy with a measured throughput while held; idle after, one trainer per lease, none restarted.
        Assert.Equal(1, busy!.Value(PrometheusNames.SlotBusy, (PrometheusNames.SlotLabel, "0"), (PrometheusNames.DeviceLabel, "cpu")));
        Assert.True(busy.Value(PrometheusNames.TrainImagesPerSecond, (PrometheusNames.SlotLabel, "0")) > 0, busy.Text);
        Assert.Equal(0, agent.Value(PrometheusNames.SlotBusy, (PrometheusNames.SlotLabel, "0"), (PrometheusNames.DeviceLabel, "cpu")));
        Assert.Equal(leases, agent.Value(PrometheusNames.TrainersStarted, (PrometheusNames.SlotLabel, "0")));
        Assert.Equal(0, agent.Value(PrometheusNames.TrainerRestarts, (PrometheusNames.SlotLabel, "0")));
        Assert.Equal(epochRows, agent.Value(PrometheusNames.EpochsRelayed, (PrometheusNames.SlotLabel, "0")));
        Assert.Empty(agent.Series(PrometheusNames.GpuMemoryTotal)); // a CPU slot has no GPU memory to show
        Assert.DoesNotContain(AgentTestBed.WorkerToken, agent.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_a_metrics_or_web_address_without_a_port_of_its_own_before_serving()
    {
        var root = Directory.CreateTempSubdirectory("orch-metrics-").FullName;
        var listen = $"http://127.0.0.1:{LoopbackPort.PickFree()}";

        var anyPort = await OrchProcess.ServeWithoutDatabaseAsync(root, "--listen", listen, "--metrics-listen", "http://127.0.0.1:0");
        var grpcPort = await OrchProcess.ServeWithoutDatabaseAsync(root, "--listen", listen, "--metrics-listen", listen);

        Assert.All([anyPort, grpcPort], o => Assert.Equal(2, o.ExitCode));
        Assert.Contains("orch serve: cannot start: --metrics-listen http://127.0.0.1:0", anyPort.Error, StringComparison.Ordinal);
        Assert.Contains("has no fixed port", anyPort.Error, StringComparison.Ordinal);
        Assert.Contains("give /metrics a port of its own", grpcPort.Error, StringComparison.Ordinal);

        // The dashboard's HTTP/1.1 endpoint is checked the same way.
        var webAnyPort = await OrchProcess.ServeWithoutDatabaseAsync(root, "--listen", listen, "--web-listen", "http://127.0.0.1:0");
        var webGrpcPort = await OrchProcess.ServeWithoutDatabaseAsync(root, "--listen", listen, "--web-listen", listen);
        Assert.All([webAnyPort, webGrpcPort], o => Assert.Equal(2, o.ExitCode));
        Assert.Contains("orch serve: cannot start: --web-listen http://127.0.0.1:0", webAnyPort.Error, StringComparison.Ordinal);
        Assert.Contains("give the dashboard a port of its own", webGrpcPort.Error, StringComparison.Ordinal);
    }
}
