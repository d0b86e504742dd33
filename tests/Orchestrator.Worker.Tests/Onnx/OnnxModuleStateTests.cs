using Orchestrator.Worker.Engine.Onnx;
using Orchestrator.Worker.Tests.Onnx.Support;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx;

/// <summary>What an imported graph is as a module: which initializers train, which are buffers, and that a
/// trained state saved with TorchSharp comes back into a fresh import of the same file.</summary>
public sealed class OnnxModuleStateTests
{
    [Fact]
    public void Float_initializers_are_parameters_batch_norm_statistics_and_integers_are_buffers()
    {
        using var conv = new OnnxModule("conv_net", OnnxTestCases.Get("conv_net").Graph.Parse());
        var parameters = conv.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var buffers = conv.named_buffers().Select(b => b.name).ToHashSet();
        Assert.Equal(["bn1_bias", "bn1_weight", "conv1_bias", "conv1_weight", "dw_weight", "fc_bias", "fc_weight", "pad_value"], parameters.Keys.Order());
        Assert.All(parameters.Values, p => Assert.True(p.requires_grad));
        Assert.Contains("bn1_running_mean", buffers);
        Assert.Contains("bn1_running_var", buffers);
        Assert.Contains("pads", buffers);

        using var embedding = new OnnxModule("embedding", OnnxTestCases.Get("embedding_and_masked_pooling").Graph.Parse());
        Assert.DoesNotContain(embedding.named_parameters(), p => p.name == "position_ids");
        Assert.Contains(embedding.named_buffers(), b => b.name == "position_ids" && b.buffer.dtype == ScalarType.Int64);
    }

    [Fact]
    public void A_trained_state_reloads_into_a_fresh_import_with_identical_outputs()
    {
        var testCase = OnnxTestCases.Get("conv_net");
        var graph = testCase.Graph.Parse();
        using var trained = new OnnxModule("conv_net", graph);
        using var x = testCase.Inputs()[0].Value;
        var before = trained.named_buffers().ToDictionary(b => b.name, b => b.buffer.clone());
        trained.train();
        using (var optimizer = optim.AdamW(trained.parameters(), lr: 0.01))
        {
            for (var step = 0; step < 3; step++)
            {
                optimizer.zero_grad();
                using var loss = trained.call([x])[0].pow(2).mean();
                loss.backward();
                optimizer.step();
            }
        }

        Assert.False(Same(trained.get_buffer("bn1_running_mean")!, before["bn1_running_mean"]), "training mode must move BatchNormalization's running mean");
        Assert.False(Same(trained.get_buffer("bn1_running_var")!, before["bn1_running_var"]), "training mode must move BatchNormalization's running variance");
        var path = Path.Combine(Path.GetTempPath(), $"onnx-state-{Guid.NewGuid():N}.dat");
        try
        {
            trained.save(path);
            using var reloaded = new OnnxModule("conv_net", graph);
            using var fromFile = new OnnxModule("conv_net", graph);
            reloaded.load(path);
            trained.eval();
            reloaded.eval();
            fromFile.eval();
            using var noGrad = no_grad();
            using var expected = trained.call([x])[0];
            using var actual = reloaded.call([x])[0];
            using var untrained = fromFile.call([x])[0];
            Assert.True(expected.sub(actual).abs().max().item<float>() <= 1e-7f, "a reloaded module gives the trained module's outputs");
            Assert.False(untrained.allclose(actual), "the reloaded outputs are the trained ones, not the file's");
            foreach (var (name, parameter) in trained.named_parameters().Where(p => p.name != "pad_value"))
            {
                Assert.True(Same(reloaded.get_parameter(name)!, parameter), $"parameter {name} reloaded");
                Assert.False(Same(fromFile.get_parameter(name)!, parameter), $"parameter {name} was trained");
            }

            Assert.True(Same(reloaded.get_buffer("bn1_running_var")!, trained.get_buffer("bn1_running_var")!));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
