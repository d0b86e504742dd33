using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>Activations with attributes or bound inputs: Clip, HardSigmoid, LeakyRelu, Elu, Gelu.</summary>
internal sealed class ActivationOperators : IOperatorFamily
{
    public IReadOnlyCollection<string> OperatorTypes { get; } = ["Clip", "HardSigmoid", "LeakyRelu", "Elu", "Gelu"];

    public NodeStep Prepare(OnnxNode node)
    {
        switch (node.OpType)
        {
            case "Clip":
                return PrepareClip(node);
            case "HardSigmoid":
            {
                var alpha = node.Float("alpha", 0.2f);
                var beta = node.Float("beta", 0.5f);
                return (inputs, _) =>
                {
                    using var scaled = inputs[0]!.mul(alpha);
                    scaled.add_(beta);
                    return [scaled.clamp(0.0, 1.0)];
                };
            }

            case "LeakyRelu":
            {
                var alpha = node.Float("alpha", 0.01f);
                return (inputs, _) => [nn.functional.leaky_relu(inputs[0]!, alpha)];
            }

            case "Elu":
            {
                var alpha = node.Float("alpha", 1f);
                return (inputs, _) => [nn.functional.elu(inputs[0]!, alpha)];
            }

            default:
                return PrepareGelu(node);
        }
    }

    private static NodeStep PrepareGelu(OnnxNode node)
    {
        var approximate = node.String("approximate", "none");
        if (approximate is not ("none" or "tanh"))
        {
            node.Refuse($"approximate '{approximate}' is not 'none' or 'tanh'");
        }

        if (approximate == "none")
        {
            return (inputs, _) => [nn.functional.gelu(inputs[0]!)];
        }

        // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            using var cube = x.pow(3);
            using var inner = x.add(cube, 0.044715);
            using var scaled = inner.mul(Math.Sqrt(2 / Math.PI));
            using var tanh = scaled.tanh();
            using var onePlus = tanh.add(1.0);
            using var half = x.mul(0.5);
            return [half.mul(onePlus)];
        };
    }

    private static NodeStep PrepareClip(OnnxNode node)
    {
        if (node.Opset < 11)
        {
            var min = node.Float("min", float.NegativeInfinity);
            var max = node.Float("max", float.PositiveInfinity);
            return (inputs, _) => [inputs[0]!.clamp(min, max)];
        }

        var constantMin = node.ConstantInput(1);
        var constantMax = node.ConstantInput(2);
        if ((!node.HasInput(1) || constantMin is not null) && (!node.HasInput(2) || constantMax is not null))
        {
            var min = constantMin is null ? double.NegativeInfinity : constantMin.to(ScalarType.Float64).item<double>();
            var max = constantMax is null ? double.PositiveInfinity : constantMax.to(ScalarType.Float64).item<double>();
            return (inputs, _) => [inputs[0]!.clamp(min, max)];
        }

        return (inputs, _) =>
        {
            var x = inputs[0]!;
            using var low = inputs.Optional(1) is null ? x.alias() : x.maximum(inputs[1]!);
            return [inputs.Optional(2) is null ? low.alias() : low.minimum(inputs[2]!)];
        };
    }
}
