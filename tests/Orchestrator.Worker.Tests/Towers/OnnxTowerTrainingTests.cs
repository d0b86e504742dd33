using System.Security.Cryptography;
using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Training;
using Orchestrator.Worker.Engine.Towers;

namespace Orchestrator.Worker.Tests.Towers;

/// <summary>ONNX towers in a job: resolved from the weights directory, checked before data is read, trained and resumed.</summary>
public sealed class OnnxTowerTrainingTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "orch-onnx-towers-" + Guid.NewGuid().ToString("N"));

    private string Weights => Path.Combine(directory, "weights");

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A one-job spec naming the fixture towers by relative path (taken from the weights directory).</summary>
    private static JobDefinition Job(string imageTower = "cnn", string? sha256 = null, int epochs = 2, bool trainable = true, string dataset = "{format: synthetic, synthetic_images: 60, captions_per_image: 2}") =>
        SweepSpecParser.ParseSingleJob($$"""
            name: onnx-towers
            dataset: {{dataset}}
            onnx_towers:
              cnn: {kind: image, model: {{OnnxTowerFixtures.ImageFile}}{{(sha256 is null ? "" : $", sha256: {sha256}")}}}
              bert: {kind: text, model: {{OnnxTowerFixtures.TextFile}}, vocabulary: {{OnnxTowerFixtures.VocabularyFile}}, pool: mean}
            encoders: [{{imageTower}}]
            parameters:
              text_encoder: bert
              loss: infonce
              epochs: {{epochs}}
              batch_size: 16
              num_workers: 1
              image_size: 32
              max_length: 16
              projection_dim: 32
              head_lr: 1e-3
              image_encoder_lr: 1e-3
              text_encoder_lr: 1e-3
              trainable: {{(trainable ? "true" : "false")}}
            """);

    private TrainingOptions Options(string run) => new(Path.Combine(directory, run)) { WeightsDirectory = Weights, EfficiencyRuns = 1 };

    [Fact]
    public void Onnx_image_and_text_towers_train_resume_and_report_metrics()
    {
        OnnxTowerFixtures.Write(Weights);
        var job = Job();

        var first = new ClipTrainer(job, Options("run") with { StopAfterEpochs = 1 }, new RecordingSink()).Run();
        var sink = new RecordingSink();
        var resumed = new ClipTrainer(job, Options("run") with { Resume = true }, sink).Run();

        Assert.False(first.Completed);
        Assert.True(resumed.Completed);
        Assert.Equal(2, resumed.EpochsCompleted);
        Assert.True(double.IsFinite(resumed.TrainLoss) && double.IsFinite(resumed.ValLoss));
        Assert.Equal(first.Epochs[0].TrainLoss, resumed.Epochs[0].TrainLoss);
        Assert.Single(sink.Records, r => r.Kind == MetricRecord.EpochKind && r.Epoch == 2);
        var efficiency = resumed.Efficiency!;
        // Conv 8×3×3×3 and BatchNormalization's scale and bias; embeddings (41 + 2 rows of 16) and a 16×16 matrix.
        Assert.Equal((8 * 27) + 8 + 8, efficiency.ImageTowerParameters);
        Assert.Equal((41 * 16) + (2 * 16) + (16 * 16), efficiency.TextTowerParameters);
        Assert.True(efficiency.ImageTowerLatencyMsBatch1 > 0);
        // The result names the model files that trained, though the job's definitions named no checksum.
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["cnn"] = Sha256Of(Path.Combine(Weights, OnnxTowerFixtures.ImageFile)),
                ["bert"] = Sha256Of(Path.Combine(Weights, OnnxTowerFixtures.TextFile)),
            },
            resumed.OnnxModelSha256);
        Assert.Contains("\"onnx_model_sha256\"", System.Text.Json.JsonSerializer.Serialize(resumed, EngineJson.Options), StringComparison.Ordinal);
    }

    private static string Sha256Of(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void Frozen_onnx_towers_do_not_change_and_pooled_widths_come_from_the_graphs()
    {
        OnnxTowerFixtures.Write(Weights);
        var job = Job(trainable: false, epochs: 1);
        var sources = TowerSources.Resolve(job.Parameters, Weights);
        var tokenizer = TextTowerRegistry.TokenizerOf(job.Parameters, sources)!;
        using var model = ClipTrainer.BuildModel(job.Parameters, tokenizer, sources);

        Assert.Equal(OnnxTowerFixtures.ImageWidth, model.ImageTower.FeatureWidth);
        Assert.Equal(OnnxTowerFixtures.TextWidth, model.TextTower.FeatureWidth);
        Assert.All(model.ImageTower.parameters().Concat(model.TextTower.parameters()), p => Assert.False(p.requires_grad));
        Assert.Equal(41, tokenizer.VocabularySize);
        Assert.Contains("model.conv_weight", model.ImageTower.state_dict().Keys);
    }

    [Fact]
    public void A_model_file_with_another_checksum_is_refused_naming_both_and_the_file()
    {
        OnnxTowerFixtures.Write(Weights);
        var wrong = new string('0', 64);
        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(Weights, OnnxTowerFixtures.ImageFile))));

        var error = Assert.Throws<InvalidJobException>(() => TowerSources.Resolve(Job(sha256: wrong).Parameters, Weights));
        var problem = Assert.Single(error.Problems);
        Assert.Equal("encoder", problem.Field);
        Assert.Contains(wrong, problem.Message, StringComparison.Ordinal);
        Assert.Contains(actual, problem.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(Weights, OnnxTowerFixtures.ImageFile), problem.Message, StringComparison.Ordinal);

        var matching = TowerSources.Resolve(Job(sha256: actual).Parameters, Weights);
        Assert.Equal(actual, matching.OnnxImage!.Sha256);
    }

    [Fact]
    public void A_missing_built_in_model_names_the_path_and_the_fetch_command()
    {
        Directory.CreateDirectory(Weights);
        var job = SweepSpecParser.ParseSingleJob("name: m\ndataset: {format: synthetic}\nencoders: [resnet18-onnx]\nparameters: {text_encoder: all-minilm-l6-v2}\n");

        var error = Assert.Throws<InvalidJobException>(() => TowerSources.Resolve(job.Parameters, Weights));

        Assert.Contains(error.Problems, p => p.Field == "encoder" &&
            p.Message.Contains(Path.Combine(Weights, "resnet18-onnx", "ResNet18.onnx"), StringComparison.Ordinal) &&
            p.Message.Contains("orch-worker weights fetch resnet18-onnx", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Field == "text_encoder" &&
            p.Message.Contains("orch-worker weights fetch all-minilm-l6-v2", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unsupported_operator_fails_the_job_before_any_data_is_read()
    {
        OnnxTowerFixtures.Write(Weights, imageOperator: "Frobnicate");
        // The dataset does not exist: the job must fail on the graph, not on the data.
        var job = Job(dataset: "{format: captions-csv, images: /nonexistent/images, captions: /nonexistent/captions.csv}");

        var error = Assert.Throws<InvalidJobException>(() => new ClipTrainer(job, Options("bad"), new RecordingSink()).Run());

        var problem = Assert.Single(error.Problems);
        Assert.Equal("encoder", problem.Field);
        Assert.Contains("operator 'Frobnicate'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("opset 13", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jobs_built_in_code_are_held_to_the_specs_rules_for_onnx_towers()
    {
        var job = Job();
        var swapped = job with
        {
            Parameters = job.Parameters with
            {
                OnnxImageTower = job.Parameters.OnnxTextTower,
                Pretrained = new PretrainedWeights(TowerWeights.FromFile("/w/r.pth"), TowerWeights.PublishedIfAny),
            },
        };

        var problems = JobValidator.Validate(swapped);

        Assert.Empty(JobValidator.Validate(job));
        Assert.Contains(problems, p => p.Field == "encoder" && p.Message == "cnn is an ONNX text tower, not an image tower");
        Assert.Contains(problems, p => p.Field == "pretrained.image" && p.Message.Contains("is an ONNX tower", StringComparison.Ordinal));
    }

    private sealed class RecordingSink : IMetricsSink
    {
        public List<MetricRecord> Records { get; } = [];

        public void Report(MetricRecord record) => Records.Add(record);
    }
}
