using Orchestrator.Worker.Engine.Onnx;
using Orchestrator.Worker.Tests.Onnx.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx;

/// <summary>Same model, two routes: torchvision's resnet18 exported to ONNX (BatchNormalization kept as nodes)
/// and imported, against the built-in port with the same weights; ONNX Runtime on the filled file agrees.</summary>
public sealed class TorchvisionResNet18RoutesTests(ITestOutputHelper output)
{
    [Fact]
    public void The_weightless_fixture_is_small_and_keeps_batch_normalization_as_nodes()
    {
        Assert.True(new FileInfo(WeightlessResNet18.FixturePath).Length < 200_000);
        var graph = OnnxGraph.Load(WeightlessResNet18.FixturePath);
        Assert.Empty(graph.Unsupported());
        Assert.Equal(13, graph.Opset);
        using var builtIn = WeightlessResNet18.CreateBuiltIn(seed: 3);
        var bytes = WeightlessResNet18.Fill(builtIn);
        using var imported = new OnnxModule("resnet18_onnx", OnnxGraph.Parse(bytes, "filled.onnx"));
        Assert.Contains(imported.named_buffers(), b => b.name == "layer1_0_bn1_running_mean");
        Assert.Equal(builtIn.parameters().Sum(p => p.numel()), imported.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Imported_export_equals_the_builtin_port_and_onnx_runtime()
    {
        using var builtIn = WeightlessResNet18.CreateBuiltIn(seed: 3);
        var bytes = WeightlessResNet18.Fill(builtIn);
        var graph = OnnxGraph.Parse(bytes, "torchvision_resnet18_filled.onnx");
        using var imported = new OnnxModule("resnet18_onnx", graph);
        builtIn.eval();
        imported.eval();
        using var noGrad = no_grad();
        using var x = tensor(new SeededValues(50).Normal(2 * 3 * 224 * 224), [2, 3, 224, 224]);
        using var expected = builtIn.call(x);
        using var ours = imported.call([x])[0];
        var reference = OnnxRuntimeOracle.Run(bytes, [("image", x)], ["logits"]);
        var againstBuiltIn = TensorAssert.Close(expected, ours, 1e-4, "imported vs built-in resnet18 logits");
        var againstOrt = TensorAssert.Close(reference[0], ours, 1e-4, "imported vs ONNX Runtime logits");
        output.WriteLine($"logits max |x| {expected.abs().max().item<float>():G4}; relative max error vs built-in {againstBuiltIn:G3}, vs ORT {againstOrt:G3}");
    }
}
