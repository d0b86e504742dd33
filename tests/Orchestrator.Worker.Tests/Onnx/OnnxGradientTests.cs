using Orchestrator.Worker.Engine.Onnx;
using Orchestrator.Worker.Tests.Onnx.Support;
using TorchSharp;
using Xunit.Abstractions;
using Xunit.Sdk;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx;

/// <summary>Autograd through the imported graph (float64) against central finite differences, for inputs and a few
/// parameters, in eval and (BatchNormalization on batch statistics) in training mode.</summary>
public sealed class OnnxGradientTests(ITestOutputHelper output)
{
    private const double Epsilon = 1e-6;
    private const double Tolerance = 1e-5;

    public static TheoryData<string, bool> Cases => new()
    {
        { "conv_net", false },
        { "conv_net", true },
        { "residual_block", true },
        { "mobile_block", false },
        { "mobile_block", true },
        { "transformer_block", false },
        { "gelu_and_axes_inputs_opset20", false },
        { "embedding_and_masked_pooling", false },
        { "softmax_before_13", false },
        { "gemm_and_matmul_broadcasting", false },
        { "windows_and_patterns", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_match_central_differences(string caseName, bool training)
    {
        var testCase = OnnxTestCases.Get(caseName);
        Assert.True(testCase.Smooth, $"{caseName} is not differentiable almost everywhere");
        using var module = new OnnxModule(caseName, testCase.Graph.Parse());
        module.to(ScalarType.Float64);
        module.train(training);
        var inputs = module.InputNames
            .Select(n => testCase.Inputs().Single(i => i.Name == n).Value)
            .Select(v => v.is_floating_point() ? v.to_type(ScalarType.Float64).requires_grad_(true) : v)
            .ToArray();
        var probe = new SeededValues(7);
        var weights = module.call(inputs).Select(o => tensor(probe.Normal((int)o.numel()), o.shape, ScalarType.Float64)).ToArray();

        var loss = Loss(module, inputs, weights);
        loss.backward();
        var checkedCount = 0;
        foreach (var (name, value) in inputs.Select((v, i) => (module.InputNames[i], v)).Where(p => p.v.is_floating_point()))
        {
            checkedCount += Check($"input '{name}'", value, value.grad!.clone(), () => Loss(module, inputs, weights));
        }

        // Weights rather than e.g. Pad's constant value, which is read as a number (no gradient flows to it).
        foreach (var (name, parameter) in module.named_parameters().Where(p => p.name.Contains("weight", StringComparison.Ordinal)).Take(4))
        {
            Assert.True(parameter.grad is not null, $"parameter '{name}' got no gradient");
            checkedCount += Check($"parameter '{name}'", parameter, parameter.grad.clone(), () => Loss(module, inputs, weights));
        }

        output.WriteLine($"{caseName} ({(training ? "training" : "eval")}): {checkedCount} partial derivatives checked");
        Assert.True(checkedCount >= 5);
    }

    private static Tensor Loss(OnnxModule module, Tensor[] inputs, Tensor[] weights)
    {
        var outputs = module.call(inputs);
        var total = zeros([], ScalarType.Float64);
        for (var i = 0; i < outputs.Length; i++)
        {
            total = total + (outputs[i] * weights[i]).sum();
        }

        return total;
    }

    /// <summary>Perturbs a handful of coordinates spread over the tensor, in place and without recording.</summary>
    private static int Check(string what, Tensor value, Tensor analytic, Func<Tensor> loss)
    {
        var count = value.numel();
        var flatAnalytic = analytic.flatten();
        var positions = Enumerable.Range(0, 5).Select(k => k * (count - 1) / 4).Distinct().ToList();
        foreach (var position in positions)
        {
            double Evaluate(double delta)
            {
                using (no_grad())
                {
                    value.view(-1)[position].add_(delta);
                }

                using var guard = no_grad();
                var result = loss().item<double>();
                using (no_grad())
                {
                    value.view(-1)[position].sub_(delta);
                }

                return result;
            }

            var numeric = (Evaluate(Epsilon) - Evaluate(-Epsilon)) / (2 * Epsilon);
            var automatic = flatAnalytic[position].item<double>();
            if (Math.Abs(numeric - automatic) > Tolerance * Math.Max(1, Math.Abs(numeric)))
            {
                throw new XunitException($"{what}[{position}]: autograd {automatic:G10}, central difference {numeric:G10}");
            }
        }

        return positions.Count;
    }
}
