using System.Text.Json;
using Orchestrator.Protos;
using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Agent;
using Orchestrator.Worker.Commands;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>`orch-worker train` end to end on a very small job: progress lines, metrics.jsonl, result.json.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private const string TinyJob = """
        {"name": "cli", "dataset": {"format": "synthetic", "synthetic_images": 40, "captions_per_image": 2},
         "encoders": ["tiny_cnn"],
         "parameters": {"text_encoder": "small-transformer", "pretrained": false, "loss": "infonce", "epochs": 1,
                        "batch_size": 8, "image_size": 16, "text_layers": 1, "text_width": 32, "text_heads": 2, "projection_dim": 32}}
        """;

    private readonly string directory = Directory.CreateTempSubdirectory("orch-train-").FullName;

    [Fact]
    public void Train_command_prints_progress_and_writes_metrics_and_result()
    {
        var job = Path.Combine(directory, "job.json");
        File.WriteAllText(job, TinyJob);
        var output = new StringWriter();
        var error = new StringWriter();
        var outDirectory = Path.Combine(directory, "out");

        var code = TrainCommand.Run(["--job", job, "--out", outDirectory], output, error);

        Assert.True(code == 0, error.ToString());
        Assert.Contains("epoch 1 step 8/8 loss", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("epoch 1 done: train loss", output.ToString(), StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(outDirectory, TrainerLayout.MetricsFile));
        Assert.Equal(["step", "epoch"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("kind").GetString()));
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDirectory, TrainerLayout.ResultFile)));
        var root = result.RootElement;
        Assert.True(root.GetProperty("completed").GetBoolean());
        Assert.Equal("tiny_cnn", root.GetProperty("encoder").GetString());
        var textToImage = root.GetProperty("retrieval").GetProperty("text_to_image");
        Assert.True(textToImage.GetProperty("r1").GetDouble() <= textToImage.GetProperty("r5").GetDouble() && textToImage.GetProperty("r5").GetDouble() <= textToImage.GetProperty("r10").GetDouble(), textToImage.ToString());
        Assert.InRange(textToImage.GetProperty("r10").GetDouble(), 0, 1);
        var efficiency = root.GetProperty("efficiency");
        Assert.Equal(
            efficiency.GetProperty("image_tower_parameters").GetInt64() + efficiency.GetProperty("text_tower_parameters").GetInt64() + efficiency.GetProperty("head_parameters").GetInt64(),
            efficiency.GetProperty("total_parameters").GetInt64());
    }

    [Fact]
    public void A_leased_job_file_carries_the_stored_parameters_unchanged_and_names_their_key()
    {
        var job = TrainingTests.SmallJob(epochs: 1);
        var lease = Lease(job);
        var path = Path.Combine(directory, TrainerLayout.JobFile);

        LeasedJobFile.Write(path, lease);
        var read = LeasedJobFile.Read(path);

        using var file = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal(lease.ParametersJson, file.RootElement.GetProperty("parameters").GetRawText());
        Assert.Equal(lease.DatasetJson, file.RootElement.GetProperty("dataset").GetRawText());
        Assert.Equal(job, read.Job);
        Assert.Equal((42L, 7L, 2, job.JobKey), (read.JobId, read.SweepId, read.Attempt, read.JobKey));
    }

    [Theory]
    [InlineData("\"epochs\": 1", "\"epochs\": 2", "hash to")]
    [InlineData("\"epochs\": 1", "\"epochs\": 1, \"epochz\": 2", "epochz")]
    [InlineData("\"epochs\": 1", "\"epochs\": \"one\"", "epochs")]
    public void A_tampered_leased_job_is_refused_as_invalid_before_anything_is_trained_or_written(string stored, string tampered, string said)
    {
        var path = Path.Combine(directory, TrainerLayout.JobFile);
        var lease = Lease(TrainingTests.SmallJob(epochs: 1));
        lease.ParametersJson = lease.ParametersJson.Replace("\"epochs\":1", "\"epochs\": 1", StringComparison.Ordinal);
        LeasedJobFile.Write(path, lease);
        File.WriteAllText(path, File.ReadAllText(path).Replace(stored, tampered, StringComparison.Ordinal));
        var output = new StringWriter();
        var error = new StringWriter();
        var outDirectory = Path.Combine(directory, "out");

        var code = TrainCommand.Run(["--leased-job", path, "--out", outDirectory], output, error);

        Assert.True(code == TrainerExitCode.InvalidJob, $"exit {code}: {error}");
        Assert.Contains(said, error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outDirectory, TrainerLayout.MetricsFile)), "metrics were written");
        Assert.False(Directory.Exists(Path.Combine(outDirectory, TrainerLayout.CheckpointFolder)), "training started");
    }

    /// <summary>The job as the coordinator leases it: its stored parameters and dataset JSON and its key.</summary>
    private static LeasedJob Lease(JobDefinition job) => new()
    {
        JobId = 42,
        SweepId = 7,
        Attempt = 2,
        JobKey = job.JobKey,
        Encoder = job.Parameters.Encoder,
        ParametersJson = job.CanonicalParameters,
        DatasetJson = CanonicalJson.Serialize(job.Dataset),
    };

    [Fact]
    public void A_dataset_without_one_decodable_image_exits_as_unusable_with_the_reason()
    {
        // Placeholder files that exist but do not decode: every pair is skipped, nothing is left to train on.
        using var data = new Data.TempDataset("a.jpg", "b.jpg", "c.jpg");
        var captions = data.Write("captions.txt", "image,caption\na.jpg,one\nb.jpg,two\nc.jpg,three\n");
        var job = Path.Combine(directory, "job.json");
        File.WriteAllText(job, $$"""
            {"name": "broken", "dataset": {"format": "captions-csv", "images": "{{data.Images}}", "captions": "{{captions}}"},
             "encoders": ["tiny_cnn"],
             "parameters": {"text_encoder": "small-transformer", "pretrained": false, "epochs": 1, "image_size": 16,
                            "text_layers": 1, "text_width": 32, "text_heads": 2, "projection_dim": 32} }
            """);
        var error = new StringWriter();

        var code = TrainCommand.Run(["--job", job, "--out", Path.Combine(directory, "out"), "--image-cache", Path.Combine(directory, "cache")], new StringWriter(), error);

        Assert.Equal(TrainerExitCode.DatasetUnusable, code);
        Assert.Equal(TrainerOutcome.PermanentFailure, TrainerExitClassifier.Classify(code, error.ToString()));
        Assert.Contains("dataset unusable: no usable image-caption pair: none of the 3 images", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("not a decodable image", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no output folder", new[] { "--job", "job.json" }, "Option '--out' is required.")]
    [InlineData("a misspelt option", new[] { "--job", "job.json", "--out", "out", "--devcie", "cpu" }, "'--devcie': did you mean '--device'?")]
    [InlineData("a thread count that is no number", new[] { "--job", "job.json", "--out", "out", "--threads", "two" }, "'two'")]
    [InlineData("an unknown device", new[] { "--job", "job.json", "--out", "out", "--device", "gpu" }, "'gpu'")]
    [InlineData("no job at all", new[] { "--out", "out" }, "give either --job")]
    [InlineData("both a job file and a leased job", new[] { "--job", "job.json", "--leased-job", "job.json", "--out", "out" }, "give either --job")]
    public void A_wrong_command_line_exits_2_before_anything_runs_and_fails_the_job_for_good(string why, string[] args, string said)
    {
        var error = new StringWriter();

        var code = TrainCommand.Run(args.Select(a => a is "job.json" or "out" ? Path.Combine(directory, a) : a), new StringWriter(), error);

        Assert.True(code == TrainerExitCode.Usage, $"{why}: exit {code}, {error}");
        Assert.Contains(said, error.ToString(), StringComparison.Ordinal);
        Assert.Equal(TrainerOutcome.PermanentFailure, TrainerExitClassifier.Classify(code, error.ToString()));
        Assert.False(Directory.Exists(Path.Combine(directory, "out")), $"{why}: the trainer started");
    }

    [SkippableFact]
    public void Cuda_asked_for_where_there_is_none_exits_6_a_device_failure_and_trains_nothing()
    {
        Skip.If(TorchSharp.torch.cuda.is_available(), "CUDA is available here");
        var job = Path.Combine(directory, "job.json");
        File.WriteAllText(job, TinyJob);
        var error = new StringWriter();

        var code = TrainCommand.Run(["--job", job, "--out", Path.Combine(directory, "out"), "--device", "cuda"], new StringWriter(), error);

        Assert.True(code == TrainerExitCode.DeviceError, $"exit {code}, {error}");
        Assert.Contains("device unusable: CUDA was requested but is not available", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(TrainerOutcome.DeviceFailure, TrainerExitClassifier.Classify(code, error.ToString()));
        Assert.False(File.Exists(Path.Combine(directory, "out", "metrics.jsonl")) && File.ReadAllText(Path.Combine(directory, "out", "metrics.jsonl")).Length > 0, "it trained");
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
