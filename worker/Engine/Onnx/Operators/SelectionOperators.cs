using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>Operators that pick or join parts of tensors: Slice, Gather, Split, Concat.</summary>
internal sealed class SelectionOperators : IOperatorFamily
{
    public IReadOnlyCollection<string> OperatorTypes { get; } = ["Slice", "Gather", "Split", "Concat"];

    public NodeStep Prepare(OnnxNode node) => node.OpType switch
    {
        "Slice" => PrepareSlice(node),
        "Gather" => PrepareGather(node),
        "Split" => PrepareSplit(node),
        _ => PrepareConcat(node),
    };

    private static NodeStep PrepareConcat(OnnxNode node)
    {
        var axis = node.Int("axis", 1);
        return (inputs, _) => [cat([.. inputs.Select(t => t!)], axis)];
    }

    private static NodeStep PrepareSlice(OnnxNode node)
    {
        if (node.Opset < 10)
        {
            var starts = node.Ints("starts") ?? [];
            var ends = node.Ints("ends") ?? [];
            var axes = node.Ints("axes");
            return (inputs, _) => [Slice(inputs[0]!, starts, ends, axes, null)];
        }

        var constants = Enumerable.Range(1, 4).Select(node.ConstantInputValues).ToArray();
        long[]? Read(Tensor?[] inputs, int index) =>
            constants[index - 1] ?? (inputs.Length > index && inputs[index] is not null ? ShapeValues.Read(inputs[index]!) : null);
        return (inputs, _) => [Slice(inputs[0]!, Read(inputs, 1)!, Read(inputs, 2)!, Read(inputs, 3), Read(inputs, 4))];
    }

    private static Tensor Slice(Tensor x, long[] starts, long[] ends, long[]? axes, long[]? steps)
    {
        var result = x.alias();
        for (var i = 0; i < starts.Length; i++)
        {
            var axis = ShapeValues.Axis(axes is null ? i : axes[i], x.dim());
            var size = x.shape[axis];
            var step = steps is null ? 1 : steps[i];
            var start = starts[i] < 0 ? starts[i] + size : starts[i];
            var end = ends[i] < 0 ? ends[i] + size : ends[i];
            using var previous = result;
            if (step > 0)
            {
                start = Math.Clamp(start, 0, size);
                end = Math.Clamp(end, 0, size);
                result = previous.slice(axis, start, Math.Max(start, end), step);
            }
            else
            {
                start = Math.Clamp(start, 0, size - 1);
                end = Math.Clamp(end, -1, size - 1);
                using var indices = arange(start, end, step, ScalarType.Int64, device: x.device);
                result = previous.index_select(axis, indices);
            }
        }

        return result;
    }

    private static NodeStep PrepareGather(OnnxNode node)
    {
        var axis = node.Int("axis", 0);
        return (inputs, _) =>
        {
            var data = inputs[0]!;
            var a = ShapeValues.Axis(axis, data.dim());
            var size = data.shape[a];
            using var indices = inputs[1]!.to(ScalarType.Int64, data.device);
            using var negative = indices.lt(0);
            using var shifted = indices.add(size);
            using var wrapped = where(negative, shifted, indices);
            using var flat = wrapped.flatten();
            using var picked = data.index_select(a, flat);
            long[] shape = [.. data.shape[..(int)a], .. indices.shape, .. data.shape[(int)(a + 1)..]];
            return [picked.reshape(shape)];
        };
    }

    private static NodeStep PrepareSplit(OnnxNode node)
    {
        var axis = node.Int("axis", 0);
        var outputs = node.OutputCount;
        var attribute = node.Opset < 13 ? node.Ints("split") : null;
        var constant = node.Opset >= 13 ? node.ConstantInputValues(1) : null;
        var numOutputs = node.Int("num_outputs", 0);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            var a = ShapeValues.Axis(axis, x.dim());
            var sizes = attribute ?? constant ?? (inputs.Length > 1 && inputs[1] is not null ? ShapeValues.Read(inputs[1]!) : null);
            if (sizes is null)
            {
                var parts = numOutputs > 0 ? numOutputs : outputs;
                var chunk = (x.shape[a] + parts - 1) / parts;
                sizes = [.. Enumerable.Range(0, (int)parts).Select(i => Math.Min(chunk, x.shape[a] - (i * chunk)))];
            }

            return x.split(sizes, a);
        };
    }
}
