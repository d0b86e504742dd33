using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>Softmax/LogSoftmax (before opset 13: flatten to 2-D at `axis` and normalize each row; since: along
/// `axis`) and LayerNormalization.</summary>
internal sealed class NormalizationOperators : IOperatorFamily
{
    public IReadOnlyCollection<string> OperatorTypes { get; } = ["Softmax", "LogSoftmax", "LayerNormalization"];

    public NodeStep Prepare(OnnxNode node)
    {
        if (node.OpType == "LayerNormalization")
        {
            var layerAxis = node.Int("axis", -1);
            var epsilon = node.Float("epsilon", 1e-5f);
            node.ProducesOnly(1);
            return (inputs, _) =>
            {
                var x = inputs[0]!;
                var a = (int)ShapeValues.Axis(layerAxis, x.dim());
                return [nn.functional.layer_norm(x, x.shape[a..], inputs.Optional(1), inputs.Optional(2), epsilon)];
            };
        }

        var log = node.OpType == "LogSoftmax";
        Func<Tensor, long, Tensor> normalize = log ? (t, d) => t.log_softmax(d) : (t, d) => t.softmax(d);
        if (node.Opset >= 13)
        {
            var axis13 = node.Int("axis", -1);
            return (inputs, _) => [normalize(inputs[0]!, axis13)];
        }

        var axis = node.Int("axis", 1);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            var a = (int)ShapeValues.Axis(axis, x.dim());
            using var rows = x.reshape(ShapeValues.Product(x.shape.AsSpan(0, a)), ShapeValues.Product(x.shape.AsSpan(a)));
            using var normalized = normalize(rows, 1);
            return [normalized.reshape(x.shape)];
        };
    }
}
