using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>Constant (evaluated at construction by <see cref="ConstantNodeValue"/>), ConstantOfShape, Cast,
/// Identity and Dropout (identity in eval; in training drops with the node's ratio).</summary>
internal sealed class TensorCreationOperators : IOperatorFamily
{
    public IReadOnlyCollection<string> OperatorTypes { get; } = ["Constant", "ConstantOfShape", "Cast", "Identity", "Dropout"];

    public NodeStep Prepare(OnnxNode node)
    {
        switch (node.OpType)
        {
            case "Cast":
            {
                if (!ElementTypes.TryMap(node.Int("to", 0), out var target))
                {
                    node.Refuse($"cast to element type {node.Int("to", 0)} is not supported");
                }

                return (inputs, context) => [inputs[0]!.to(target ?? context.FloatType)];
            }

            case "ConstantOfShape":
                return PrepareConstantOfShape(node);
            case "Dropout":
                return PrepareDropout(node);
            case "Identity":
                return (inputs, _) => [inputs[0]!.alias()];
            default:
                throw new InvalidOperationException("Constant nodes are evaluated when the module is built, not run as steps");
        }
    }

    private static NodeStep PrepareConstantOfShape(OnnxNode node)
    {
        var valueProto = node.TensorAttribute("value");
        var fill = 0.0;
        ScalarType? type = null;
        if (valueProto is not null)
        {
            using var value = TensorProtoDecoder.Decode(valueProto, null);
            if (!ElementTypes.TryMap(valueProto.DataType, out type))
            {
                node.Refuse($"value of element type {valueProto.DataType} is not supported");
            }

            using var asDouble = value.to(ScalarType.Float64);
            fill = asDouble.flatten()[0].item<double>();
        }

        var constantShape = node.ConstantInputValues(0);
        return (inputs, context) =>
            [full(constantShape ?? ShapeValues.Read(inputs[0]!), fill, type ?? context.FloatType)];
    }

    private static NodeStep PrepareDropout(OnnxNode node)
    {
        node.ProducesOnly(1);
        var ratio = (double)node.Float("ratio", 0.5f);
        if (node.Opset >= 12 && node.HasInput(1))
        {
            var constant = node.ConstantInput(1);
            if (constant is null)
            {
                node.Refuse("a ratio computed by the graph is not supported; it must be an initializer or Constant");
            }
            else
            {
                using var asDouble = constant.to(ScalarType.Float64);
                ratio = asDouble.item<double>();
            }
        }

        if (node.Opset < 7 && node.Int("is_test", 0) != 0)
        {
            ratio = 0;
        }

        return (inputs, context) =>
            [context.Training && ratio > 0 ? nn.functional.dropout(inputs[0]!, ratio, true) : inputs[0]!.alias()];
    }
}
