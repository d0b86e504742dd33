using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>Pad: constant, reflect or edge; pads (and the constant) as attributes before opset 11, inputs since.
/// Leading axes with zero padding are dropped so reflect/edge (which torch limits to the last axes) work on the
/// usual N×C×H×W layouts.</summary>
internal sealed class PadOperator : IOperatorFamily
{
    public IReadOnlyCollection<string> OperatorTypes { get; } = ["Pad"];

    public NodeStep Prepare(OnnxNode node)
    {
        var modeName = node.String("mode", "constant");
        var mode = modeName switch
        {
            "constant" => PaddingModes.Constant,
            "reflect" => PaddingModes.Reflect,
            "edge" => PaddingModes.Replicate,
            _ => PaddingModes.Zeros,
        };
        if (mode == PaddingModes.Zeros)
        {
            node.Refuse($"mode '{modeName}' is not constant, reflect or edge");
        }

        if (node.Opset < 11)
        {
            var pads = node.Ints(node.Opset < 2 ? "paddings" : "pads") ?? [];
            var value = node.Float("value", 0f);
            return (inputs, _) => [Pad(inputs[0]!, pads, null, mode, value)];
        }

        if (node.HasInput(2) && node.ConstantInput(2) is null)
        {
            node.Refuse("a constant_value computed by the graph is not supported; it must be an initializer or Constant");
        }

        var constant = node.ConstantInput(2);
        var fill = constant is null ? 0.0 : constant.to(ScalarType.Float64).item<double>();
        var constantPads = node.ConstantInputValues(1);
        var constantAxes = node.ConstantInputValues(3);
        return (inputs, _) =>
            [Pad(inputs[0]!, constantPads ?? ShapeValues.Read(inputs[1]!), inputs.Length > 3 && inputs[3] is not null ? constantAxes ?? ShapeValues.Read(inputs[3]!) : null, mode, fill)];
    }

    private static Tensor Pad(Tensor x, long[] pads, long[]? axes, PaddingModes mode, double value)
    {
        var rank = x.dim();
        var full = new long[2 * rank];
        var count = pads.Length / 2;
        for (var i = 0; i < count; i++)
        {
            var axis = axes is null ? i : ShapeValues.Axis(axes[i], rank);
            full[axis] = pads[i];
            full[axis + rank] = pads[i + count];
        }

        var first = 0L;
        while (first < rank - 1 && full[first] == 0 && full[first + rank] == 0)
        {
            first++;
        }

        var kept = rank - first;
        long[] onnxOrder = [.. full[(int)first..(int)rank], .. full[(int)(rank + first)..]];
        return nn.functional.pad(x, SpatialWindow.ForTorchPad(onnxOrder[..(int)(2 * kept)]), mode, value);
    }
}
