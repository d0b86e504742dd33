namespace Orchestrator.Integration.Tests.Deployment;

/// <summary>
/// The monitoring profile and the scrape annotations agree with the commands: Prometheus scrapes the ports the
/// coordinator (--metrics-listen) and the agents (--metrics-port) serve /metrics on, and Grafana gets the dashboard.
/// </summary>
public sealed class MonitoringFilesTests
{
    private readonly YamlTree compose = YamlTree.LoadAll(DeploymentFiles.InRepository("docker-compose.yml")).Single();

    private YamlTree Services => compose["services"];

    [Fact]
    public void Prometheus_and_grafana_start_only_with_the_monitoring_profile_on_loopback_ports()
    {
        foreach (var name in new[] { "prometheus", "grafana" })
        {
            Assert.Equal(["monitoring"], Services[name]["profiles"].Texts);
            Assert.All(Services[name]["ports"].Texts, p => Assert.StartsWith("127.0.0.1:", p, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Prometheus_scrapes_the_ports_the_coordinator_and_the_workers_serve_metrics_on()
    {
        var prometheus = YamlTree.LoadAll(MountedFile("prometheus", "/etc/prometheus/prometheus.yml")).Single();
        var targets = prometheus["scrape_configs"].Items.ToDictionary(
            c => c["job_name"].Text, c => c["static_configs"].Items.SelectMany(s => s["targets"].Texts).ToList());

        var coordinator = Services["coordinator"]["command"].Texts.ToList();
        var coordinatorPort = new Uri(coordinator[coordinator.IndexOf("--metrics-listen") + 1]).Port;
        Assert.Equal([$"coordinator:{coordinatorPort}"], targets["orch-coordinator"]);
        foreach (var worker in new[] { "worker-gpu", "worker-cpu" })
        {
            var command = Services[worker]["command"].Texts.ToList();
            Assert.Contains($"{worker}:{command[command.IndexOf("--metrics-port") + 1]}", targets["orch-worker"]);
        }
    }

    [Fact]
    public void Grafana_is_provisioned_with_the_dashboard_and_its_datasource()
    {
        Assert.True(File.Exists(MountedFile("grafana", "/var/lib/grafana/dashboards/orchestrator.json")));
        var provisioning = MountedFile("grafana", "/etc/grafana/provisioning");
        var dashboards = YamlTree.LoadAll(Path.Combine(provisioning, "dashboards", "orchestrator.yml")).Single();
        Assert.Equal("/var/lib/grafana/dashboards", dashboards["providers"][0]["options"]["path"].Text);
        var datasources = YamlTree.LoadAll(Path.Combine(provisioning, "datasources", "prometheus.yml")).Single();
        Assert.Equal("http://prometheus:9090", datasources["datasources"][0]["url"].Text);
    }

    [Theory]
    [InlineData("coordinator.yaml", "--metrics-listen")]
    [InlineData("worker.yaml", "--metrics-port")]
    public void Kubernetes_pods_are_annotated_for_scraping_on_the_port_their_container_serves_metrics_on(string file, string option)
    {
        var deployment = YamlTree.LoadAll(DeploymentFiles.InRepository(Path.Combine("infra", "k8s", file))).First(d => d["kind"].Text == "Deployment");
        var template = deployment["spec"]["template"];
        var container = template["spec"]["containers"][0];
        var args = container["args"].Texts.ToList();
        var value = args[args.IndexOf(option) + 1];
        var port = option == "--metrics-listen" ? new Uri(value).Port.ToString(System.Globalization.CultureInfo.InvariantCulture) : value;

        var annotations = template["metadata"]["annotations"];
        Assert.Equal("true", annotations["prometheus.io/scrape"].Text);
        Assert.Equal(port, annotations["prometheus.io/port"].Text);
        Assert.Equal("/metrics", annotations["prometheus.io/path"].Text);
        Assert.Contains(container["ports"].Items, p => p["containerPort"].Text == port);
    }

    /// <summary>The file in the repository that a compose service mounts at <paramref name="target"/>.</summary>
    private string MountedFile(string service, string target)
    {
        var volume = Services[service]["volumes"].Texts.Single(v => v.Contains($":{target}", StringComparison.Ordinal));
        return DeploymentFiles.InRepository(volume[..volume.IndexOf(':', StringComparison.Ordinal)]);
    }
}
