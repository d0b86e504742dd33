using System.Xml.Linq;

namespace Orchestrator.Integration.Tests.Deployment;

/// <summary>infra/docker: multi-stage builds, an unprivileged user, a health check, and sources that still exist.</summary>
public sealed class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => new(
        Directory.EnumerateFiles(DeploymentFiles.InRepository("infra/docker"), "*.Dockerfile").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Each_image_is_built_in_stages_runs_unprivileged_and_checks_its_health(string file)
    {
        var lines = Instructions(file);
        var finalStage = lines.Skip(lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal))).ToList();

        Assert.True(lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)) >= 2, $"{file}: a build stage and a runtime stage");
        var user = Assert.Single(finalStage, l => l.StartsWith("USER ", StringComparison.Ordinal))[5..].Trim();
        Assert.DoesNotContain(user, new[] { "root", "0", "0:0" });
        Assert.Single(finalStage, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal));
        Assert.Single(finalStage, l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Everything_an_image_copies_from_the_repository_exists(string file)
    {
        var sources = Instructions(file)
            .Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
            .ToList();

        Assert.NotEmpty(sources);
        Assert.All(sources, source => Assert.True(
            File.Exists(DeploymentFiles.InRepository(source)) || Directory.Exists(DeploymentFiles.InRepository(source)), $"{file}: COPY {source}: not in the repository"));
    }

    [Fact]
    public void The_worker_image_builds_cpu_by_default_and_cuda_on_the_cuda_12_8_runtime_with_the_pinned_torchsharp()
    {
        var lines = Instructions("worker.Dockerfile");
        var packages = XDocument.Load(DeploymentFiles.InRepository("Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!);

        Assert.Contains("ARG TORCH_BACKEND=cpu", lines);
        Assert.Contains(lines, l => l.StartsWith("ARG CUDA_RUNTIME_IMAGE=nvidia/cuda:12.8.", StringComparison.Ordinal) && l.Contains("runtime-ubuntu24.04", StringComparison.Ordinal));
        Assert.Contains("FROM runtime-${TORCH_BACKEND} AS final", lines);
        Assert.Contains(lines, l => l.StartsWith("RUN dotnet restore", StringComparison.Ordinal) && l.Contains("-p:TorchBackend=${TORCH_BACKEND}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("RUN dotnet publish", StringComparison.Ordinal) && l.Contains("-p:TorchBackend=${TORCH_BACKEND}", StringComparison.Ordinal));
        Assert.Equal("0.107.0", packages["TorchSharp-cuda-linux"]);
        Assert.Equal(packages["TorchSharp-cpu"], packages["TorchSharp-cuda-linux"]);
    }

    [Fact]
    public void The_worker_image_health_check_reads_the_file_its_agent_writes_and_the_shared_folder_is_where_volumes_mount()
    {
        var lines = Instructions("worker.Dockerfile");
        var stateDirectory = Path.GetDirectoryName(DeploymentFiles.ContactFile)!;

        Assert.Contains(lines, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal) && l.Contains(DeploymentFiles.ContactFile, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"ORCH_AGENT__STATEDIRECTORY={stateDirectory} ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"ORCH_AGENT__CHECKPOINTROOT={DeploymentFiles.SharedMount}/checkpoints ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"ORCH_AGENT__DATAROOT={DeploymentFiles.SharedMount}/datasets ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"ORCH_WEIGHTS_DIR={DeploymentFiles.SharedMount}/weights ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_coordinator_image_serves_on_every_interface_at_the_default_port()
    {
        var lines = Instructions("coordinator.Dockerfile");
        var port = DeploymentFiles.CoordinatorPort;

        Assert.Contains($"EXPOSE {port}", lines);
        Assert.Contains($"CMD [\"serve\", \"--listen\", \"http://0.0.0.0:{port}\"]", lines);
        Assert.Contains(lines, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal) && l.Contains($"\"health\", \"--coordinator\", \"http://127.0.0.1:{port}\"", StringComparison.Ordinal));
    }

    /// <summary>The Dockerfile's instructions, one per line: comments dropped, continuation lines joined.</summary>
    private static List<string> Instructions(string file)
    {
        var text = File.ReadAllText(DeploymentFiles.InRepository(Path.Combine("infra/docker", file)));
        var joined = System.Text.RegularExpressions.Regex.Replace(text, @"\\\n\s*", " ");
        return joined.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
    }
}
