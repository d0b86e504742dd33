using System.Diagnostics;
using System.Text.Json;
using Orchestrator.Shared.Configuration;
using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Commands;
using Orchestrator.Worker.Engine.Networks.DistilBert;
using Orchestrator.Worker.Engine.Towers;
using Orchestrator.Worker.Engine.Training;
using Orchestrator.Worker.Engine.Weights;
using Orchestrator.Worker.Tests.Engine;

namespace Orchestrator.Worker.Tests.Weights;

/// <summary>
/// `pretrained: true` through the weights cache: published files fetched before a job reads data, once per machine
/// however many jobs start together, pre-staged with `weights fetch`, then used offline.
/// </summary>
public sealed class PretrainedFetchTests(Xunit.Abstractions.ITestOutputHelper console) : IDisposable
{
    private const string DistilBertRoute = "distilbert/distilbert-base-uncased/resolve/main/";
    private readonly string directory = Directory.CreateTempSubdirectory("orch-pretrained-fetch-").FullName;
    private readonly LoopbackWeightsServer server = new();

    private string WeightsDirectory => Path.Combine(directory, "weights");

    public void Dispose()
    {
        server.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>A one-job spec small enough to train in seconds.</summary>
    private static string Spec(string encoder, string text, string pretrained, int seed = 0) => $"""
        name: fetch
        dataset: {"{"}format: synthetic, synthetic_images: 40, captions_per_image: 2{"}"}
        encoders: [{encoder}]
        seeds: [{seed}]
        parameters:
          image_size: 32
          text_encoder: {text}
          pretrained: {pretrained}
          epochs: 1
          batch_size: 16
          max_length: 16
          projection_dim: 32
        """;

    private static JobParameters Parameters(string encoder, string text, string pretrained) => SweepSpecParser.ParseSingleJob(Spec(encoder, text, pretrained)).Parameters;

    private void ServeDistilBert(int status = 200)
    {
        foreach (var (file, bytes) in new[] { ("config.json", "{}"u8.ToArray()), ("vocab.txt", "[PAD]\n"u8.ToArray()), ("model.safetensors", TestWeights.RandomBytes(200_000, 11)) })
        {
            server.Serve(DistilBertRoute + file, new ServedFile(bytes) { Status = status, ETag = TestWeights.Sha256(bytes) });
        }
    }

    [Fact]
    public void Weights_fetch_pre_stages_a_folder_that_a_job_then_resolves_offline_without_network()
    {
        ServeDistilBert();
        var output = new StringWriter();
        var error = new StringWriter();

        var code = WeightsCommand.Run(["fetch", DistilBertFolder.PublishedName, "--weights-dir", WeightsDirectory, "--hf-url", server.BaseUrl.ToString()], output, error);

        Assert.True(code == 0, error.ToString());
        Assert.Equal(3, server.Requests.Count);
        Assert.Contains($"all 1 in {WeightsDirectory}", output.ToString(), StringComparison.Ordinal);
        server.Dispose();
        var offline = new WeightsCache(WeightsDirectory, WeightsSettings.OfflineOnly);
        var sources = TowerSources.Resolve(Parameters("tiny_cnn", DistilBertFolder.PublishedName, "{text: true}"), WeightsDirectory, offline);
        Assert.Equal(new DistilBertSource(Path.Combine(WeightsDirectory, DistilBertFolder.PublishedName), LoadWeights: true), sources.DistilBert);

        var list = new StringWriter();
        Assert.Equal(0, WeightsCommand.Run(["list", "--weights-dir", WeightsDirectory], list, list));
        Assert.Contains($"{DistilBertFolder.PublishedName} complete, 0.2 MB", list.ToString(), StringComparison.Ordinal);
        Assert.Contains("distilbert-base-uncased/model.safetensors  0.2 MB  sha256 ", list.ToString(), StringComparison.Ordinal);
        Assert.Contains("verified (SHA-256 the server declared, at download)", list.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_fetches_missing_published_files_before_reading_data_and_the_second_run_downloads_nothing()
    {
        ServeDistilBert();
        var online = new WeightsCache(WeightsDirectory, TestWeights.Settings(server.BaseUrl));
        var parameters = Parameters("tiny_cnn", DistilBertFolder.PublishedName, "{text: true}");

        Assert.NotNull(TowerSources.Resolve(parameters, WeightsDirectory, online).DistilBert);
        Assert.NotNull(TowerSources.Resolve(parameters, WeightsDirectory, online).DistilBert);

        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public void Resuming_needs_only_the_folder_files_that_shape_the_model_not_its_weights()
    {
        ServeDistilBert();
        var online = new WeightsCache(WeightsDirectory, TestWeights.Settings(server.BaseUrl));

        var sources = TowerSources.ResolveForCheckpoint(Parameters("resnet18", DistilBertFolder.PublishedName, "true"), WeightsDirectory, online);

        Assert.True(sources.ImageWeightsFromCheckpoint);
        Assert.Null(sources.ImageWeights);
        Assert.Equal(["/" + DistilBertRoute + "config.json", "/" + DistilBertRoute + "vocab.txt"], server.Requests.Select(r => r.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_failed_fetch_is_a_permanent_job_error_naming_the_url_and_a_corrupt_file_is_not_kept()
    {
        ServeDistilBert(status: 403);
        server.Serve("resnet18-f37072fd.pth", new ServedFile(TestWeights.RandomBytes(50_000, 12)));
        var online = new WeightsCache(WeightsDirectory, TestWeights.Settings(server.BaseUrl));

        var error = Assert.Throws<InvalidJobException>(() => TowerSources.Resolve(Parameters("resnet18", DistilBertFolder.PublishedName, "true"), WeightsDirectory, online));

        var image = error.Problems.Single(p => p.Field == "pretrained.image").Message;
        Assert.Contains($"could not download resnet18-f37072fd.pth from {server.BaseUrl}resnet18-f37072fd.pth: the downloaded file failed its checksum", image, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(WeightsDirectory, "resnet18-f37072fd.pth")));
        var text = error.Problems.Where(p => p.Field == "pretrained.text").Select(p => p.Message).ToList();
        Assert.Equal(3, text.Count);
        Assert.Contains($"from {server.BaseUrl}{DistilBertRoute}config.json: HTTP 403", text[0], StringComparison.Ordinal);
        Assert.Contains("`orch-worker weights fetch distilbert-base-uncased --weights-dir DIR`", text[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Offline_keeps_the_message_from_before_downloads_with_the_pre_stage_command()
    {
        var offline = new WeightsCache(WeightsDirectory, TestWeights.Settings(server.BaseUrl) with { Offline = true });

        var error = Assert.Throws<InvalidJobException>(() => TowerSources.Resolve(Parameters("resnet18", "small-transformer", "true"), WeightsDirectory, offline));

        var message = error.Problems.Single().Message;
        Assert.StartsWith($"pretrained weights for resnet18 not found: expected {Path.Combine(WeightsDirectory, "resnet18-f37072fd.pth")}", message, StringComparison.Ordinal);
        Assert.Contains("nothing is downloaded", message, StringComparison.Ordinal);
        Assert.Contains("`orch-worker weights fetch resnet18`", message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Two_worker_processes_fetching_one_folder_at_once_download_each_file_once()
    {
        var weights = TestWeights.RandomBytes(1_500_000, 13);
        server.Serve("org/bert/resolve/main/model.safetensors", new ServedFile(weights) { DelayPerChunk = TimeSpan.FromMilliseconds(40) });
        server.Serve("org/bert/resolve/main/config.json", new ServedFile("{}"u8.ToArray()));
        server.Serve("org/bert/resolve/main/vocab.txt", new ServedFile("[PAD]\n"u8.ToArray()));

        var clock = Stopwatch.StartNew();
        var runs = await Task.WhenAll(RunWorkerAsync(), RunWorkerAsync());
        console.WriteLine($"two orch-worker processes fetching a 1.5 MB folder at once: {clock.ElapsedMilliseconds} ms");

        Assert.All(runs, r => Assert.True(r.Code == 0, r.Output));
        Assert.Single(server.RequestsFor("org/bert/resolve/main/model.safetensors"));
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(weights, await File.ReadAllBytesAsync(Path.Combine(WeightsDirectory, "bert", "model.safetensors")));
        Assert.Contains(runs, r => r.Output.Contains("waiting for another download of bert/", StringComparison.Ordinal));
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"{clock.Elapsed}");
    }

    [SkippableFact]
    public async Task Two_trainers_starting_together_download_the_folder_once_and_a_rerun_trains_offline()
    {
        ReferenceWeights.SkipUnlessPresent(ReferenceWeights.TinyDistilBert, ReferenceWeights.Vocabulary);
        var served = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DistilBertFolder.ConfigFile] = Path.Combine(ReferenceWeights.TinyDistilBert, DistilBertFolder.ConfigFile),
            [DistilBertFolder.VocabularyFile] = ReferenceWeights.Vocabulary,
            [DistilBertFolder.WeightsFile] = Path.Combine(ReferenceWeights.TinyDistilBert, DistilBertFolder.WeightsFile),
        };
        foreach (var (file, source) in served)
        {
            var bytes = await File.ReadAllBytesAsync(source);
            // 8 MB of weights in 64 KiB chunks, 40 ms apart: about 5 s, so the second job arrives while the first downloads.
            server.Serve(DistilBertRoute + file, new ServedFile(bytes) { ETag = TestWeights.Sha256(bytes), DelayPerChunk = TimeSpan.FromMilliseconds(40) });
        }

        var clock = Stopwatch.StartNew();
        var together = await Task.WhenAll(TrainAsync(seed: 0, "first"), TrainAsync(seed: 1, "second"));
        var togetherTime = clock.Elapsed;

        Assert.All(together, AssertTrained);
        Assert.All(served.Keys, file => Assert.Single(server.RequestsFor(DistilBertRoute + file)));
        Assert.Equal(3, server.Requests.Count);
        Assert.Contains(together, r => r.Output.Contains($"waiting for another download of {DistilBertFolder.PublishedName}/", StringComparison.Ordinal));
        Assert.Equal(
            await File.ReadAllBytesAsync(served[DistilBertFolder.WeightsFile]),
            await File.ReadAllBytesAsync(Path.Combine(WeightsDirectory, DistilBertFolder.PublishedName, DistilBertFolder.WeightsFile)));

        // The server keeps listening, so a request from either rerun would be seen.
        clock.Restart();
        var again = await Task.WhenAll(TrainAsync(seed: 0, "first-again"), TrainAsync(seed: 0, "first-offline", "--offline"));
        console.WriteLine($"two `orch-worker train` jobs sharing one DistilBERT download: {togetherTime.TotalSeconds:0.0} s; the job again, online and offline at once: {clock.Elapsed.TotalSeconds:0.0} s");

        Assert.All(again, AssertTrained);
        Assert.Equal(3, server.Requests.Count);
    }

    private Task<(int Code, string Output)> RunWorkerAsync() =>
        WorkerChildProcess.RunAsync(["weights", "fetch", "hf:org/bert", "--weights-dir", WeightsDirectory, "--hf-url", server.BaseUrl.ToString()]);

    private static void AssertTrained((int Code, string Output, string Out) run)
    {
        Assert.True(run.Code == 0, $"orch-worker train exited with {run.Code}: {run.Output}");
        var result = JsonSerializer.Deserialize<TrainingResult>(File.ReadAllText(Path.Combine(run.Out, TrainerLayout.ResultFile)), EngineJson.Options)!;
        Assert.True(result.Completed, run.Output);
    }

    private async Task<(int Code, string Output, string Out)> TrainAsync(int seed, string name, params string[] options)
    {
        var job = Path.Combine(directory, $"{name}.yaml");
        await File.WriteAllTextAsync(job, Spec("tiny_cnn", DistilBertFolder.PublishedName, "{text: true}", seed));
        var output = Path.Combine(directory, name);
        var (code, printed) = await WorkerChildProcess.RunAsync(
            ["train", "--job", job, "--out", output, "--weights-dir", WeightsDirectory, "--image-cache", Path.Combine(directory, "images"), "--threads", "1", .. options],
            new Dictionary<string, string?>
            {
                [EnvironmentVariables.WeightsHuggingFaceUrl] = server.BaseUrl.ToString(),
                [EnvironmentVariables.WeightsOffline] = null,
                [EnvironmentVariables.WeightsDirectory] = null,
            });
        return (code, printed, output);
    }
}
