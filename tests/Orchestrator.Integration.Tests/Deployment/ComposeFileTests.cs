using System.Text.RegularExpressions;

namespace Orchestrator.Integration.Tests.Deployment;

/// <summary>docker-compose.yml: what `docker compose up` on a GPU machine needs, checked so the file cannot rot silently.</summary>
public sealed partial class ComposeFileTests
{
    private static readonly string ComposePath = DeploymentFiles.InRepository("docker-compose.yml");
    private readonly YamlTree compose = YamlTree.LoadAll(ComposePath).Single();

    private YamlTree Services => compose["services"];

    [Fact]
    public void Every_service_names_an_image_and_ours_build_from_a_dockerfile_that_exists()
    {
        Assert.Equal(["postgres", "coordinator", "worker-gpu", "worker-cpu", "prometheus", "grafana"], Services.Keys);
        foreach (var name in Services.Keys)
        {
            Assert.NotEmpty(Services[name]["image"].Text);
        }

        foreach (var name in new[] { "coordinator", "worker-gpu", "worker-cpu" })
        {
            Assert.Equal(".", Services[name]["build"]["context"].Text);
            Assert.True(File.Exists(DeploymentFiles.InRepository(Services[name]["build"]["dockerfile"].Text)), Services[name]["build"]["dockerfile"].Path);
        }
    }

    [Fact]
    public void PostgreSQL_keeps_its_data_in_a_named_volume_and_reports_its_health()
    {
        var postgres = Services["postgres"];

        Assert.Contains("pgdata:/var/lib/postgresql/data", postgres["volumes"].Texts);
        Assert.True(compose["volumes"].Keys.Contains("pgdata"), "volumes.pgdata is declared");
        Assert.Contains("pg_isready", string.Join(' ', postgres["healthcheck"]["test"].Texts), StringComparison.Ordinal);
    }

    [Fact]
    public void The_coordinator_waits_for_a_healthy_database_publishes_its_port_and_takes_its_secrets_from_env()
    {
        var coordinator = Services["coordinator"];
        var port = DeploymentFiles.CoordinatorPort;

        Assert.Equal("service_healthy", coordinator["depends_on"]["postgres"]["condition"].Text);
        Assert.Contains($"{port}:{port}", coordinator["ports"].Texts);
        Assert.Contains("Host=postgres;", coordinator["environment"]["ConnectionStrings__Orchestrator"].Text, StringComparison.Ordinal);
        Assert.StartsWith("${ORCH_WORKER_TOKEN:?", coordinator["environment"]["ORCH_WORKER_TOKEN"].Text, StringComparison.Ordinal);
        Assert.StartsWith("${ORCH_CLIENT_TOKEN:?", coordinator["environment"]["ORCH_CLIENT_TOKEN"].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_coordinator_serves_tls_with_the_mounted_certificate_and_checks_its_health_over_tls()
    {
        var coordinator = Services["coordinator"];
        var command = coordinator["command"].Texts.ToList();
        var volume = coordinator["volumes"].Texts.Single(v => v.EndsWith(":ro", StringComparison.Ordinal))[..^":ro".Length];
        var mount = volume[(volume.LastIndexOf(':') + 1)..]; // the source may hold a `${VAR:-default}`

        Assert.StartsWith("https://", command[command.IndexOf("--listen") + 1], StringComparison.Ordinal);
        Assert.StartsWith(mount + "/", command[command.IndexOf("--tls-cert") + 1], StringComparison.Ordinal);
        Assert.StartsWith(mount + "/", command[command.IndexOf("--tls-key") + 1], StringComparison.Ordinal);
        var health = coordinator["healthcheck"]["test"].Texts.ToList();
        Assert.Contains("health", health);
        Assert.StartsWith("https://localhost:", health[health.IndexOf("--coordinator") + 1], StringComparison.Ordinal);
        Assert.StartsWith(mount + "/", health[health.IndexOf("--ca") + 1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_gpu_worker_reserves_nvidia_gpus_and_starts_by_default_the_cpu_worker_waits_behind_a_profile()
    {
        var gpu = Services["worker-gpu"];
        var cpu = Services["worker-cpu"];
        var device = gpu["deploy"]["resources"]["reservations"]["devices"][0];

        Assert.Equal("nvidia", device["driver"].Text);
        Assert.Contains("gpu", device["capabilities"].Texts);
        Assert.True(device["count"].Exists || device["device_ids"].Exists, $"{device.Path}: count or device_ids");
        Assert.Equal("cuda", gpu["build"]["args"]["TORCH_BACKEND"].Text);
        Assert.False(gpu["profiles"].Exists, "the GPU worker comes up with a plain `docker compose up`");
        Assert.Equal("cpu", cpu["build"]["args"]["TORCH_BACKEND"].Text);
        Assert.Contains("cpu", cpu["profiles"].Texts);
        Assert.False(cpu["deploy"].Exists);
    }

    [Theory]
    [InlineData("worker-gpu")]
    [InlineData("worker-cpu")]
    public void Workers_reach_the_coordinator_share_the_checkpoint_volume_and_have_time_to_give_jobs_back(string name)
    {
        var worker = Services[name];
        var command = worker["command"].Texts;

        Assert.Equal("agent", command[0]);
        Assert.Contains("--coordinator", command);
        Assert.Contains($"https://coordinator:{DeploymentFiles.CoordinatorPort}", command[command.ToList().IndexOf("--coordinator") + 1], StringComparison.Ordinal);
        var ca = command[command.ToList().IndexOf("--ca") + 1];
        Assert.Contains(worker["volumes"].Texts, v => v.EndsWith($"/ca.crt:{ca}:ro", StringComparison.Ordinal));
        Assert.StartsWith("${ORCH_WORKER_TOKEN:?", worker["environment"]["ORCH_WORKER_TOKEN"].Text, StringComparison.Ordinal);
        Assert.Contains($"shared:{DeploymentFiles.SharedMount}", worker["volumes"].Texts);
        Assert.True(compose["volumes"].Keys.Contains("shared"), "volumes.shared is declared");
        Assert.True(DeploymentFiles.ComposeDuration(worker["stop_grace_period"].Text) >= DeploymentFiles.WorkerDrain, worker["stop_grace_period"].Path);
    }

    [Fact]
    public void Services_waited_on_until_healthy_have_a_health_check_here_or_in_their_image()
    {
        var waitedOn = Services.Keys
            .SelectMany(name => Services[name]["depends_on"].Keys.Where(target => Services[name]["depends_on"][target]["condition"].Exists
                                                                                   && Services[name]["depends_on"][target]["condition"].Text == "service_healthy"))
            .Distinct()
            .ToList();

        Assert.Equal(["postgres", "coordinator"], waitedOn);
        foreach (var target in waitedOn)
        {
            var service = Services[target];
            var inImage = service["build"].Exists
                          && File.ReadAllLines(DeploymentFiles.InRepository(service["build"]["dockerfile"].Text)).Any(l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal));
            Assert.True(service["healthcheck"].Exists || inImage, $"{service.Path} has no health check, yet a service waits for it to be healthy");
        }
    }

    [Fact]
    public void Every_required_variable_is_set_in_the_committed_example_and_the_real_env_file_stays_out_of_git_and_images()
    {
        var required = RequiredVariable().Matches(File.ReadAllText(ComposePath)).Select(m => m.Groups[1].Value).Distinct().ToList();
        var example = File.ReadAllLines(DeploymentFiles.InRepository(".env.example"))
            .Where(line => line.Contains('=', StringComparison.Ordinal) && !line.TrimStart().StartsWith('#'))
            .Select(line => line[..line.IndexOf('=', StringComparison.Ordinal)].Trim())
            .ToHashSet();

        Assert.Equal(["POSTGRES_PASSWORD", "ORCH_WORKER_TOKEN", "ORCH_CLIENT_TOKEN"], required);
        Assert.All(required, name => Assert.Contains(name, example));
        Assert.Contains(".env", File.ReadAllLines(DeploymentFiles.InRepository(".gitignore")));
        Assert.Contains(".env", File.ReadAllLines(DeploymentFiles.InRepository(".dockerignore")));
    }

    /// <summary>`${NAME:?message}`: compose refuses to start without NAME.</summary>
    [GeneratedRegex(@"\$\{([A-Z_][A-Z0-9_]*):\?")]
    private static partial Regex RequiredVariable();
}
