using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>Elementwise operators over broadcast inputs (numpy rules, which torch follows), Where, and the
/// variadic Max/Min/Sum/Mean.</summary>
internal sealed class BinaryOperators : IOperatorFamily
{
    private static readonly Dictionary<string, Func<Tensor, Tensor, Tensor>> Functions = new(StringComparer.Ordinal)
    {
        ["Add"] = (a, b) => a.add(b),
        ["Sub"] = (a, b) => a.sub(b),
        ["Mul"] = (a, b) => a.mul(b),
        ["Div"] = Divide,
        ["Pow"] = (a, b) => a.pow(b),
        ["Equal"] = (a, b) => a.eq(b),
        ["Less"] = (a, b) => a.lt(b),
        ["LessOrEqual"] = (a, b) => a.le(b),
        ["Greater"] = (a, b) => a.gt(b),
        ["GreaterOrEqual"] = (a, b) => a.ge(b),
        ["And"] = (a, b) => a.logical_and(b),
        ["Or"] = (a, b) => a.logical_or(b),
        ["Xor"] = (a, b) => a.logical_xor(b),
        ["Max"] = (a, b) => a.maximum(b),
        ["Min"] = (a, b) => a.minimum(b),
        ["Sum"] = (a, b) => a.add(b),
        ["Mean"] = (a, b) => a.add(b),
    };

    public IReadOnlyCollection<string> OperatorTypes { get; } = [.. Functions.Keys, "Where"];

    public NodeStep Prepare(OnnxNode node)
    {
        if (node.OpType == "Where")
        {
            return (inputs, _) => [where(inputs[0]!.to(ScalarType.Bool), inputs[1]!, inputs[2]!)];
        }

        var function = Functions[node.OpType];
        if (node.InputCount == 1)
        {
            return (inputs, _) => [inputs[0]!.alias()];
        }

        var isMean = node.OpType == "Mean";
        return (inputs, _) =>
        {
            var result = function(inputs[0]!, inputs[1]!);
            for (var i = 2; i < inputs.Length; i++)
            {
                using var previous = result;
                result = function(previous, inputs[i]!);
            }

            if (isMean)
            {
                using var sum = result;
                result = sum.div(inputs.Length);
            }

            return [result];
        };
    }

    /// <summary>ONNX divides integers with truncation; torch's div would return floats.</summary>
    private static Tensor Divide(Tensor a, Tensor b) =>
        a.is_floating_point() || b.is_floating_point() ? a.div(b) : a.div(b, RoundingMode.trunc);
}
