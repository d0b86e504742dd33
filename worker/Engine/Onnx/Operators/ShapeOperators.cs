using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>Operators that only change a tensor's shape, plus Shape itself (an int64 CPU tensor, so shape
/// arithmetic stays cheap and readable by later Reshape/Slice/Unsqueeze nodes).</summary>
internal sealed class ShapeOperators : IOperatorFamily
{
    public IReadOnlyCollection<string> OperatorTypes { get; } = ["Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Shape", "Expand", "Size"];

    public NodeStep Prepare(OnnxNode node) => node.OpType switch
    {
        "Reshape" => PrepareReshape(node),
        "Flatten" => PrepareFlatten(node),
        "Transpose" => PrepareTranspose(node),
        "Squeeze" => PrepareSqueeze(node),
        "Unsqueeze" => PrepareUnsqueeze(node),
        "Shape" => PrepareShape(node),
        "Size" => (inputs, _) => [tensor(inputs[0]!.numel())],
        _ => PrepareExpand(node),
    };

    /// <summary>Axes from the attribute (before <paramref name="inputSince"/>) or the input at <paramref name="index"/>;
    /// null when neither is given.</summary>
    internal static Func<Tensor?[], long[]?> Axes(OnnxNode node, long inputSince, int index)
    {
        if (node.Opset < inputSince)
        {
            var attribute = node.Ints("axes");
            return _ => attribute;
        }

        var constant = node.ConstantInputValues(index);
        return inputs => constant ?? (inputs.Length > index && inputs[index] is not null ? ShapeValues.Read(inputs[index]!) : null);
    }

    private static NodeStep PrepareReshape(OnnxNode node)
    {
        if (node.Opset < 5)
        {
            var attribute = node.Ints("shape") ?? [];
            var allowZeroOld = false;
            return (inputs, _) => [inputs[0]!.reshape(Target(inputs[0]!, attribute, allowZeroOld))];
        }

        var constant = node.ConstantInputValues(1);
        var allowZero = node.Int("allowzero", 0) != 0;
        return (inputs, _) => [inputs[0]!.reshape(Target(inputs[0]!, constant ?? ShapeValues.Read(inputs[1]!), allowZero))];
    }

    private static long[] Target(Tensor x, long[] shape, bool allowZero)
    {
        var target = (long[])shape.Clone();
        for (var i = 0; i < target.Length; i++)
        {
            if (target[i] == 0 && !allowZero)
            {
                target[i] = x.shape[i];
            }
        }

        return target;
    }

    private static NodeStep PrepareFlatten(OnnxNode node)
    {
        var axis = node.Int("axis", 1);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            var a = (int)ShapeValues.Axis(axis, x.dim());
            return [x.reshape(ShapeValues.Product(x.shape.AsSpan(0, a)), ShapeValues.Product(x.shape.AsSpan(a)))];
        };
    }

    private static NodeStep PrepareTranspose(OnnxNode node)
    {
        var perm = node.Ints("perm");
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            return [x.permute(perm ?? [.. Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i)])];
        };
    }

    private static NodeStep PrepareSqueeze(OnnxNode node)
    {
        var axes = Axes(node, 13, 1);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            var given = axes(inputs);
            if (given is null)
            {
                return [x.squeeze()];
            }

            var result = x.alias();
            foreach (var axis in given.Select(a => ShapeValues.Axis(a, x.dim())).OrderDescending())
            {
                using var previous = result;
                result = previous.squeeze(axis);
            }

            return [result];
        };
    }

    private static NodeStep PrepareUnsqueeze(OnnxNode node)
    {
        var axes = Axes(node, 13, 1);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            var given = axes(inputs) ?? throw new ArgumentException("Unsqueeze needs axes");
            var rank = x.dim() + given.Length;
            var result = x.alias();
            foreach (var axis in given.Select(a => ShapeValues.Axis(a, rank)).Order())
            {
                using var previous = result;
                result = previous.unsqueeze(axis);
            }

            return [result];
        };
    }

    private static NodeStep PrepareShape(OnnxNode node)
    {
        var start = node.Int("start", 0);
        var end = node.Has("end") ? node.Int("end", 0) : (long?)null;
        return (inputs, _) =>
        {
            var shape = inputs[0]!.shape;
            var rank = shape.LongLength;
            var from = Math.Clamp(ShapeValues.Axis(start, rank), 0, rank);
            var to = end is null ? rank : Math.Clamp(ShapeValues.Axis(end.Value, rank), 0, rank);
            return [tensor(shape[(int)from..(int)Math.Max(from, to)], ScalarType.Int64)];
        };
    }

    private static NodeStep PrepareExpand(OnnxNode node)
    {
        var constant = node.ConstantInputValues(1);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            var shape = constant ?? ShapeValues.Read(inputs[1]!);
            var rank = Math.Max(shape.Length, x.dim());
            var target = new long[rank];
            for (var i = 0; i < rank; i++)
            {
                var fromShape = i - (rank - shape.Length);
                var fromX = i - (rank - x.dim());
                var s = fromShape >= 0 ? shape[fromShape] : 1;
                var d = fromX >= 0 ? x.shape[fromX] : 1;
                target[i] = s == 1 ? d : s;
            }

            return [x.expand(target)];
        };
    }
}
