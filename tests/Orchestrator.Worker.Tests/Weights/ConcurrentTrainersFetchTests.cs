using System.Diagnostics;
using System.Text.Json;
using Orchestrator.Shared.Configuration;
using Orchestrator.Worker.Engine.Networks.DistilBert;
using Orchestrator.Worker.Engine.Training;
using Orchestrator.Worker.Tests.Engine;

namespace Orchestrator.Worker.Tests.Weights;

/// <summary>
/// Issue #16's machine-level promise at the trainer: two `orch-worker train` jobs that start together and need the
/// same Hugging Face folder download each file once, and a later run of a job needs no network at all.
/// </summary>
public sealed class ConcurrentTrainersFetchTests(Xunit.Abstractions.ITestOutputHelper console) : IDisposable
{
    private const string DistilBertRoute = "distilbert/distilbert-base-uncased/resolve/main/";
    private readonly string directory = Directory.CreateTempSubdirectory("orch-trainers-fetch-").FullName;
    private readonly LoopbackWeightsServer server = new();

    private string WeightsDirectory => Path.Combine(directory, "weights");

    public void Dispose()
    {
        server.Dispose();
        Directory.Delete(directory, recursive: true);
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

    private void AssertTrained((int Code, string Output, string Out) run)
    {
        Assert.True(run.Code == 0, $"orch-worker train exited with {run.Code}: {run.Output}");
        var result = JsonSerializer.Deserialize<TrainingResult>(File.ReadAllText(Path.Combine(run.Out, TrainerLayout.ResultFile)), EngineJson.Options)!;
        Assert.True(result.Completed, run.Output);
    }

    private async Task<(int Code, string Output, string Out)> TrainAsync(int seed, string name, params string[] options)
    {
        var job = Path.Combine(directory, $"{name}.yaml");
        await File.WriteAllTextAsync(job, $"""
            name: {name}
            dataset: {"{"}format: synthetic, synthetic_images: 40, captions_per_image: 2{"}"}
            encoders: [tiny_cnn]
            seeds: [{seed}]
            parameters:
              image_size: 32
              text_encoder: {DistilBertFolder.PublishedName}
              pretrained: {"{"}text: true{"}"}
              epochs: 1
              batch_size: 16
              max_length: 16
              projection_dim: 32
            """);
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
