using Orchestrator.Worker.Engine.Onnx.Format;
using Orchestrator.Worker.Engine.Onnx.Operators;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>op_type → the family that prepares it. Opset differences (attributes that became inputs, Softmax's
/// axis semantics) are handled inside each family from the node's opset.</summary>
internal static class OperatorRegistry
{
    private static readonly Dictionary<string, IOperatorFamily> Families = Build(
        new ConvOperator(),
        new BatchNormalizationOperator(),
        new LinearAlgebraOperators(),
        new UnaryOperators(),
        new ActivationOperators(),
        new BinaryOperators(),
        new PoolingOperators(),
        new PadOperator(),
        new ShapeOperators(),
        new SelectionOperators(),
        new ReductionOperators(),
        new NormalizationOperators(),
        new TensorCreationOperators());

    public static IReadOnlyCollection<string> OperatorTypes { get; } = [.. Families.Keys.Order(StringComparer.Ordinal)];

    public static bool Supports(NodeProto node) => node.Domain is "" or "ai.onnx" && Families.ContainsKey(node.OpType);

    public static IOperatorFamily Family(string opType) => Families[opType];

    private static Dictionary<string, IOperatorFamily> Build(params IOperatorFamily[] families)
    {
        var map = new Dictionary<string, IOperatorFamily>(StringComparer.Ordinal);
        foreach (var family in families)
        {
            foreach (var type in family.OperatorTypes)
            {
                map.Add(type, family);
            }
        }

        return map;
    }
}
