using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Commands;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Clip;
using Orchestrator.Worker.Engine.Towers;
using Orchestrator.Worker.Engine.Training;
using Orchestrator.Worker.Engine.Networks.DistilBert;
using Orchestrator.Worker.Engine.Networks.Weights;
using Orchestrator.Worker.Tests.Networks;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>`pretrained` in training: weights found in the weights directory or at a path, loaded before training, or the job refused.</summary>
public sealed class PretrainedTowerTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("orch-pretrained-").FullName;

    private string WeightsDirectory => Path.Combine(directory, "weights");

    /// <summary>A one-job spec on a small synthetic set at 32 px; <paramref name="parameters"/> are extra YAML lines.</summary>
    private static JobDefinition Job(string encoder, string parameters, int images = 40) => SweepSpecParser.ParseSingleJob($"""
        name: pretrained
        dataset: {"{"}format: synthetic, synthetic_images: {images}, captions_per_image: 2{"}"}
        encoders: [{encoder}]
        parameters:
          image_size: 32
          max_length: 16
          batch_size: 16
          epochs: 1
          loss: infonce
          head_lr: 1e-3
          image_encoder_lr: 1e-3
          text_encoder_lr: 1e-3
          projection_dim: 32
        {parameters}
        """);

    [Fact]
    public void Missing_published_weights_fail_before_training_naming_each_file_its_folder_and_source()
    {
        Directory.CreateDirectory(WeightsDirectory);
        var (code, error) = Train(Job("resnet18", "  text_encoder: distilbert-base-uncased\n  pretrained: true"));

        Assert.True(code == TrainCommand.InvalidInput, error);
        Assert.Contains($"pretrained.image: pretrained weights for resnet18 not found: expected {Path.Combine(WeightsDirectory, "resnet18-f37072fd.pth")}", error, StringComparison.Ordinal);
        Assert.Contains("fetch https://download.pytorch.org/models/resnet18-f37072fd.pth yourself", error, StringComparison.Ordinal);
        Assert.Contains("`orch-worker weights fetch resnet18`", error, StringComparison.Ordinal);
        Assert.Contains($"pretrained.text: distilbert-base-uncased needs config.json, model.safetensors, vocab.txt in {Path.Combine(WeightsDirectory, "distilbert-base-uncased")}", error, StringComparison.Ordinal);
        Assert.Contains("https://huggingface.co/distilbert/distilbert-base-uncased", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(directory, "out", "checkpoints")), "training started");
    }

    [Fact]
    public void DistilBERT_from_scratch_needs_config_and_vocabulary_but_no_weights()
    {
        var published = Directory.CreateDirectory(Path.Combine(WeightsDirectory, DistilBertFolder.PublishedName)).FullName;
        var scratch = Job("tiny_cnn", "  text_encoder: distilbert-base-uncased\n  pretrained: {text: false}").Parameters;

        var missing = Assert.Throws<InvalidJobException>(() => TowerSources.Resolve(scratch, WeightsDirectory));
        var problem = Assert.Single(missing.Problems);
        Assert.Equal("text_encoder", problem.Field);
        Assert.Contains($"needs config.json, vocab.txt (from scratch too", problem.Message, StringComparison.Ordinal);
        Assert.Contains("lacks config.json, vocab.txt", problem.Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(published, DistilBertFolder.ConfigFile), "{}");
        File.WriteAllText(Path.Combine(published, DistilBertFolder.VocabularyFile), "[PAD]");
        Assert.Equal(new DistilBertSource(published, LoadWeights: false), TowerSources.Resolve(scratch, WeightsDirectory).DistilBert);

        var pretrained = Assert.Throws<InvalidJobException>(() => TowerSources.Resolve(scratch with { Pretrained = true }, WeightsDirectory));
        Assert.Contains("lacks model.safetensors;", pretrained.Problems.Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_path_is_taken_from_the_weights_directory_and_towers_without_weights_start_from_scratch()
    {
        var relative = Job("resnet18", "  text_encoder: small-transformer\n  pretrained: {image: mine/r18.pth}").Parameters;

        var error = Assert.Throws<InvalidJobException>(() => TowerSources.Resolve(relative, WeightsDirectory));
        Assert.Equal($"pretrained.image: weight file not found: {Path.Combine(WeightsDirectory, "mine", "r18.pth")} (a relative path is taken from the weights directory)", error.Problems.Single().ToString());

        Directory.CreateDirectory(Path.Combine(WeightsDirectory, "mine"));
        File.WriteAllText(Path.Combine(WeightsDirectory, "mine", "r18.pth"), "");
        Assert.Equal(Path.Combine(WeightsDirectory, "mine", "r18.pth"), TowerSources.Resolve(relative, WeightsDirectory).ImageWeights);
        Assert.Equal(TowerSources.Scratch, TowerSources.Resolve(Job("tiny_cnn", "  text_encoder: small-transformer").Parameters, weightsDirectory: null));
    }

    [SkippableFact]
    public void Towers_hold_the_files_weights_before_training()
    {
        ReferenceWeights.SkipUnlessPresent(ReferenceWeights.ImageFile("mobilenet_v3_small"));
        var folder = ReferenceWeights.WriteDistilBertFolder(Path.Combine(directory, "hf"));
        var parameters = Job("mobilenet_v3_small", $"  text_encoder: distilbert-base-uncased\n  pretrained: {{image: {ReferenceWeights.ImageFile("mobilenet_v3_small")}, text: {folder}}}").Parameters;
        var sources = TowerSources.Resolve(parameters, WeightsDirectory);
        var tokenizer = TextTowerRegistry.TokenizerOf(parameters, sources)!;
        Assert.Equal(new long[] { 101, 1037, 2775, 1999, 1037, 5061, 4377, 1012, 102 }, tokenizer.Encode("A child in a pink dress.", 16));

        using var scope = NewDisposeScope();
        using var model = ClipTrainer.BuildModel(parameters, tokenizer, sources);
        model.eval();
        var (ids, mask, expectedCls) = DistilBertTests.ReadExpected(ReferenceWeights.TinyDistilBert);
        using (no_grad())
        {
            var difference = (model.TextTower.call(ids, mask) - expectedCls).abs().max().item<float>();
            Assert.True(difference <= 1e-4f, $"[CLS] max |Δ| = {difference:E3}");
        }

        AssertImageTowerHoldsFile(model.ImageTower.state_dict(), "mobilenet_v3_small");
    }

    [SkippableFact]
    public void DistilBERT_from_a_hugging_face_folder_trains_as_the_text_tower()
    {
        var folder = ReferenceWeights.WriteDistilBertFolder(Path.Combine(directory, "hf"));
        var job = Job("tiny_cnn", $"  text_encoder: distilbert-base-uncased\n  pretrained: {{text: {folder}}}");

        var result = new ClipTrainer(job, new TrainingOptions(Path.Combine(directory, "out")) { WeightsDirectory = WeightsDirectory, EfficiencyRuns = 1 }, new NullSink()).Run();

        Assert.True(result.Completed);
        Assert.Equal("distilbert-base-uncased", result.TextEncoder);
        Assert.True(double.IsFinite(result.TrainLoss) && double.IsFinite(result.ValLoss), $"losses {result.TrainLoss}, {result.ValLoss}");
        Assert.Equal(2_086_272, result.Efficiency!.TextTowerParameters); // the fixture's DistilBERT, sized by its config.json
        using var checkpoint = Checkpoint(job, new TowerSources(null, new DistilBertSource(folder, LoadWeights: false)));
        var trained = checkpoint.state_dict();
        var file = SafetensorsFile.ReadTensors(Path.Combine(folder, DistilBertFolder.WeightsFile));
        Assert.False(file["transformer.layer.0.ffn.lin1.weight"].equal(trained["text_tower.distilbert.transformer.layer.0.ffn.lin1.weight"]).all().item<bool>(), "the text tower did not train");
    }

    [SkippableFact]
    public void Frozen_pretrained_towers_keep_the_files_weights_through_training()
    {
        ReferenceWeights.SkipUnlessPresent(ReferenceWeights.ImageFile("mobilenet_v3_small"));
        var folder = ReferenceWeights.WriteDistilBertFolder(Path.Combine(directory, "hf"));
        var job = Job("mobilenet_v3_small", $"  text_encoder: distilbert-base-uncased\n  trainable: false\n  pretrained: {{image: {ReferenceWeights.ImageFile("mobilenet_v3_small")}, text: {folder}}}", images: 20);

        var result = new ClipTrainer(job, new TrainingOptions(Path.Combine(directory, "out")) { WeightsDirectory = WeightsDirectory, EfficiencyRuns = 1 }, new NullSink()).Run();

        Assert.True(result.Completed && double.IsFinite(result.TrainLoss), $"train loss {result.TrainLoss}");
        using var checkpoint = Checkpoint(job, new TowerSources(null, new DistilBertSource(folder, LoadWeights: false)));
        var trained = checkpoint.state_dict();
        var file = SafetensorsFile.ReadTensors(Path.Combine(folder, DistilBertFolder.WeightsFile));
        Assert.All(file, p => Assert.True(p.Value.equal(trained["text_tower.distilbert." + p.Key]).all().item<bool>(), p.Key));
        AssertImageTowerHoldsFile(trained.Where(p => p.Key.StartsWith("image_tower.", StringComparison.Ordinal)).ToDictionary(p => p.Key["image_tower.".Length..], p => p.Value), "mobilenet_v3_small");
    }

    [SkippableFact]
    public void Weights_that_do_not_fit_fail_before_training_with_the_offending_keys()
    {
        ReferenceWeights.SkipUnlessPresent(ReferenceWeights.ImageFile("mobilenet_v3_small"));
        var (code, error) = Train(Job("mobilenet_v2", $"  text_encoder: small-transformer\n  pretrained: {{image: {ReferenceWeights.ImageFile("mobilenet_v3_small")}}}"));

        Assert.True(code == TrainCommand.InvalidInput, error);
        Assert.Contains($"pretrained.image: {ReferenceWeights.ImageFile("mobilenet_v3_small")} does not fit", error, StringComparison.Ordinal);
        Assert.Matches(@"\d+ missing from the file \(first 20\):", error);
        Assert.Matches(@"\d+ unexpected in the file \(first 20\):", error);
        Assert.Contains("features.1.conv.0.0.weight", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(directory, "out", "checkpoints")), "training started");

        // A DistilBERT folder whose config.json does not size its own weights fails the same way.
        var folder = ReferenceWeights.WriteDistilBertFolder(Path.Combine(directory, "hf"));
        File.WriteAllText(Path.Combine(folder, DistilBertFolder.ConfigFile), File.ReadAllText(Path.Combine(folder, DistilBertFolder.ConfigFile)).Replace("\"n_layers\": 2", "\"n_layers\": 3", StringComparison.Ordinal));
        var parameters = Job("tiny_cnn", $"  text_encoder: distilbert-base-uncased\n  pretrained: {{text: {folder}}}").Parameters;
        var sources = TowerSources.Resolve(parameters, WeightsDirectory);
        var mismatch = Assert.Throws<InvalidJobException>(() => ClipTrainer.BuildModel(parameters, TextTowerRegistry.TokenizerOf(parameters, sources)!, sources));
        Assert.Equal("pretrained.text", mismatch.Problems.Single().Field);
        Assert.Contains("16 missing from the file:", mismatch.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_resumed_run_takes_every_weight_from_its_checkpoint_and_needs_no_weight_file()
    {
        // GoogLeNet: its published weights also change how it reads pixels, which the resumed tower must keep.
        var imageFile = Path.Combine(WeightsDirectory, "mine", "googlenet.pth");
        Directory.CreateDirectory(Path.GetDirectoryName(imageFile)!);
        // Seeded: the "published" weights are a random initialisation, and unseeded they depended on whatever the tests
        // before this one drew from the global generator; one such draw made the first step's loss NaN in a CI run.
        TorchSharp.torch.random.manual_seed(20);
        using (var source = TorchvisionClassifiers.Create("googlenet"))
        {
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(imageFile, source.state_dict());
        }

        var folder = ReferenceWeights.WriteDistilBertFolder(Path.Combine(directory, "hf"));
        var once = Job("googlenet", $"  text_encoder: distilbert-base-uncased\n  pretrained: {{image: mine/googlenet.pth, text: {folder}}}");
        var job = once with { Parameters = once.Parameters with { Epochs = 2 } };
        TrainingOptions Options(string run) => new(Path.Combine(directory, run)) { WeightsDirectory = WeightsDirectory, EfficiencyRuns = 1 };
        var straight = new ClipTrainer(job, Options("straight"), new NullSink()).Run();
        var first = new ClipTrainer(job, Options("resumed") with { StopAfterEpochs = 1 }, new NullSink()).Run();

        File.Delete(imageFile);
        File.Delete(Path.Combine(folder, DistilBertFolder.WeightsFile));
        var resumed = new ClipTrainer(job, Options("resumed") with { Resume = true }, new NullSink()).Run();

        Assert.False(first.Completed);
        Assert.True(resumed.Completed);
        Assert.Equal(2, resumed.EpochsCompleted);
        Assert.Equal(straight.Epochs[1].TrainLoss, resumed.Epochs[1].TrainLoss, 1e-4);
        Assert.Equal(straight.ValLoss, resumed.ValLoss, 1e-4);
        // Without a checkpoint the same run still needs the files, and says which.
        var fresh = Assert.Throws<InvalidJobException>(() => new ClipTrainer(job, Options("fresh") with { Resume = true }, new NullSink()).Run());
        Assert.Equal(new[] { "pretrained.image", "pretrained.text" }, fresh.Problems.Select(p => p.Field));
    }

    [Fact]
    public void GoogLeNet_loads_torchvision_s_file_with_its_auxiliary_classifiers_and_rescales_input_as_google_s_weights_expect()
    {
        // torchvision's googlenet file also holds aux1/aux2, which TorchVision for .NET does not build.
        var path = Path.Combine(directory, "googlenet.pth");
        using var source = TorchvisionClassifiers.Create("googlenet");
        var state = new Dictionary<string, Tensor>(source.state_dict())
        {
            ["aux1.conv.conv.weight"] = zeros(128, 512, 1, 1),
            ["aux2.fc2.bias"] = zeros(1000),
        };
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(path, state);

        var entry = ImageTowerRegistry.Get("googlenet");
        using var pretrained = entry.CreateFromWeights(path);
        Assert.All(pretrained.state_dict(), p => Assert.True(p.Value.equal(state[p.Key]).all().item<bool>(), p.Key));
        using var plain = entry.Create();
        plain.load_state_dict(pretrained.state_dict());
        pretrained.eval();
        plain.eval();
        using var scope = NewDisposeScope();
        var images = randn(2, 3, 32, 32);
        using (no_grad())
        {
            var difference = (pretrained.call(images) - plain.call(TorchVisionImageTower.ImageNetToUnitRange(images))).abs().max().item<float>();
            Assert.True(difference < 1e-5f, $"max |Δ| = {difference:E3}");
        }

        // Black, mid-grey and white pixels normalised the ImageNet way come out at -1, about 0 and 1.
        var pixels = tensor(ImagePixels.NormalisedChwFromRgb([0, 0, 0, 128, 128, 128, 255, 255, 255, 255, 255, 255], 2), [1, 3, 2, 2]);
        var unit = TorchVisionImageTower.ImageNetToUnitRange(pixels).data<float>().ToArray();
        Assert.All(unit.Where((_, i) => i % 4 == 0), v => Assert.Equal(-1f, v, 1e-5f));
        Assert.All(unit.Where((_, i) => i % 4 == 1), v => Assert.Equal((128f / 255 * 2) - 1, v, 1e-5f));
        Assert.All(unit.Where((_, i) => i % 4 == 3), v => Assert.Equal(1f, v, 1e-5f));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static void AssertImageTowerHoldsFile(IReadOnlyDictionary<string, Tensor> tower, string encoder)
    {
        using var classifier = TorchvisionClassifiers.Create(encoder);
        ImageTowerWeights.Load(classifier, ReferenceWeights.ImageFile(encoder));
        var file = classifier.state_dict();
        Assert.NotEmpty(tower);
        Assert.All(tower, p => Assert.True(p.Value.equal(file[p.Key]).all().item<bool>(), p.Key));
    }

    /// <summary>The model a job's last checkpoint holds.</summary>
    private ClipModel Checkpoint(JobDefinition job, TowerSources sources)
    {
        var model = ClipTrainer.BuildModel(job.Parameters, TextTowerRegistry.TokenizerOf(job.Parameters, sources)!, sources);
        model.load(Path.Combine(directory, "out", "checkpoints", "last", "model.dat"));
        return model;
    }

    private (int Code, string Error) Train(JobDefinition job)
    {
        var file = Path.Combine(directory, "job.json");
        File.WriteAllText(file, SingleJobSpec.ToJson(job, "pretrained"));
        var error = new StringWriter();
        // Offline: these tests are about the files a job is given, and no test touches the internet.
        var code = TrainCommand.Run(["--job", file, "--out", Path.Combine(directory, "out"), "--weights-dir", WeightsDirectory, "--offline"], new StringWriter(), error);
        return (code, error.ToString());
    }

    private sealed class NullSink : IMetricsSink
    {
        public void Report(MetricRecord record)
        {
        }
    }
}
