using Orchestrator.Worker.Engine.Onnx;
using Orchestrator.Worker.Tests.Onnx.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx;

/// <summary>Each small graph's forward (float32, eval) against ONNX Runtime on the same bytes and inputs.</summary>
public sealed class OnnxRuntimeParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> CaseNames => [.. OnnxTestCases.All.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Forward_matches_onnx_runtime(string caseName)
    {
        var testCase = OnnxTestCases.Get(caseName);
        var graph = testCase.Graph.Parse();
        using var module = new OnnxModule(caseName, graph);
        module.eval();
        var inputs = testCase.Inputs();
        using var noGrad = no_grad();
        var ours = module.call([.. module.InputNames.Select(n => inputs.Single(i => i.Name == n).Value)]);
        var reference = OnnxRuntimeOracle.RunPerSampleWhereDeclared(testCase.Graph.Bytes(), graph, inputs, module.OutputNames);
        for (var i = 0; i < ours.Length; i++)
        {
            var error = TensorAssert.Close(reference[i], ours[i], 1e-4, $"{caseName}: output '{module.OutputNames[i]}'");
            output.WriteLine($"{module.OutputNames[i]}: [{string.Join(",", ours[i].shape)}] relative max error {error:G3}");
        }
    }

    [Fact]
    public void The_test_graphs_use_every_supported_operator()
    {
        var used = OnnxTestCases.All.Values.SelectMany(c => c().Graph.OperatorTypes).ToHashSet(StringComparer.Ordinal);
        var missing = OnnxGraph.SupportedOperators.Where(op => !used.Contains(op)).ToList();
        Assert.True(missing.Count == 0, $"supported but not covered by any test graph: {string.Join(", ", missing)}");
    }
}
