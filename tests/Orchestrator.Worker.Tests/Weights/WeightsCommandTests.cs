using Orchestrator.Worker.Commands;

namespace Orchestrator.Worker.Tests.Weights;

/// <summary>`orch-worker weights fetch|list`: exit codes and messages for what cannot be fetched.</summary>
public sealed class WeightsCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("orch-weights-command-").FullName;
    private readonly LoopbackWeightsServer server = new();

    public void Dispose()
    {
        server.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void An_unknown_name_is_refused_with_exit_2_and_the_known_names()
    {
        var error = new StringWriter();

        Assert.Equal(2, WeightsCommand.Run(["fetch", "resnet19", "--weights-dir", directory, "--offline"], new StringWriter(), error));

        Assert.Contains("unknown weights: resnet19; known: resnet18,", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("all-minilm-l6-v2, hf:OWNER/REPO, or all", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_that_cannot_be_fetched_exits_1_naming_the_url_and_the_others_are_still_fetched()
    {
        var content = TestWeights.RandomBytes(1000, 20);
        server.Serve("org/ok/resolve/main/config.json", new ServedFile(content));
        server.Serve("org/ok/resolve/main/vocab.txt", new ServedFile(content));
        server.Serve("org/ok/resolve/main/model.safetensors", new ServedFile(content));
        var output = new StringWriter();
        var error = new StringWriter();

        var code = WeightsCommand.Run(["fetch", "resnet18", "hf:org/ok", "--weights-dir", directory, "--torchvision-url", server.BaseUrl.ToString(), "--hf-url", server.BaseUrl.ToString()], output, error);

        Assert.Equal(1, code);
        Assert.Contains($"resnet18: could not download resnet18-f37072fd.pth from {server.BaseUrl}resnet18-f37072fd.pth: HTTP 404 Not Found", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("1 of 2 could not be fetched", output.ToString(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(directory, "ok", "model.safetensors")));
    }

    [Fact]
    public void Offline_fetch_of_a_downloadable_name_says_downloads_are_off()
    {
        var error = new StringWriter();

        Assert.Equal(1, WeightsCommand.Run(["fetch", "mobilenet_v2", "--weights-dir", directory, "--offline"], new StringWriter(), error));

        Assert.Contains("mobilenet_v2-b0353104.pth not found, and downloads are off", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void List_of_an_empty_directory_says_so()
    {
        var output = new StringWriter();

        Assert.Equal(0, WeightsCommand.Run(["list", "--weights-dir", Path.Combine(directory, "none")], output, output));

        Assert.Equal($"weights directory {Path.Combine(directory, "none")}: empty", output.ToString().Trim());
    }
}
