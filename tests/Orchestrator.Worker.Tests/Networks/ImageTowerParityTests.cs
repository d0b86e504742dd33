using Orchestrator.Testing;
using Orchestrator.Worker.Engine.Networks.EfficientNet;
using Orchestrator.Worker.Engine.Networks.Weights;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Networks;

/// <summary>Every model in the fixture manifest reproduces PyTorch's eval-mode logits from its .pth.</summary>
public sealed class ImageTowerParityTests
{
    public static TheoryData<string> ManifestModels => new(FixtureManifest.ModelNames());

    [SkippableTheory]
    [MemberData(nameof(ManifestModels))]
    public void Model_reproduces_pytorch_eval_logits(string name)
    {
        var missing = ReferenceData.MissingReason(FixtureManifest.Directory);
        Skip.If(missing is not null, missing);
        var entry = FixtureManifest.Model(name);
        using var scope = NewDisposeScope();
        using var model = TorchvisionClassifiers.Create(name);
        Assert.Equal(entry.GetProperty("parameters").GetInt64(), model.parameters().Sum(p => p.numel()));
        Assert.Equal(entry.GetProperty("state_dict_keys").GetInt32(), model.state_dict().Count);

        model.load_py(Path.Combine(FixtureManifest.Directory, entry.GetProperty("weights").GetString()!));
        model.eval();
        var input = tensor(FixtureManifest.ReadFloats(entry.GetProperty("input").GetString()!), FixtureManifest.Shape(entry.GetProperty("input_shape")));
        var expected = tensor(FixtureManifest.ReadFloats(entry.GetProperty("output").GetString()!), FixtureManifest.Shape(entry.GetProperty("output_shape")));
        using (no_grad())
        {
            var actual = model.call(input);
            var difference = (actual - expected).abs().max().item<float>();
            Assert.True(difference <= 1e-4f, $"{name}: max |Δ| = {difference:E3}");
        }
    }

    [Fact]
    public void EfficientNet_b0_has_torchvision_parameter_count_and_names()
    {
        using var model = new EfficientNetB0();
        Assert.Equal(5_288_548, model.parameters().Sum(p => p.numel()));
        var keys = model.state_dict().Keys.ToList();
        Assert.Equal(360, keys.Count);
        Assert.Contains("features.0.0.weight", keys);
        Assert.Contains("features.1.0.block.1.fc1.weight", keys);
        Assert.Contains("features.2.0.block.3.1.running_var", keys);
        Assert.Contains("features.8.1.num_batches_tracked", keys);
        Assert.Contains("classifier.1.weight", keys);
    }

    [Fact]
    public void EfficientNet_b0_features_are_1280_wide_and_train_mode_runs_backward()
    {
        using var scope = NewDisposeScope();
        using var model = new EfficientNetB0();
        model.train();
        var features = model.ForwardFeatures(randn(2, 3, 64, 64));
        Assert.Equal(new long[] { 2, EfficientNetB0.FeatureWidth }, features.shape);
        features.square().mean().backward();
        Assert.NotNull(model.parameters().First().grad);
    }
}
