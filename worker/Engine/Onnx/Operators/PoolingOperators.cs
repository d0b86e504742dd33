using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>GlobalAveragePool, GlobalMaxPool, AveragePool and MaxPool (1-, 2-, 3-D). Asymmetric pads are applied
/// before pooling: −∞ for MaxPool; for AveragePool without count_include_pad the average is divided by the number
/// of real (unpadded) elements in each window, computed by pooling a ones mask.</summary>
internal sealed class PoolingOperators : IOperatorFamily
{
    public IReadOnlyCollection<string> OperatorTypes { get; } = ["GlobalAveragePool", "GlobalMaxPool", "AveragePool", "MaxPool"];

    public NodeStep Prepare(OnnxNode node)
    {
        switch (node.OpType)
        {
            case "GlobalAveragePool":
                return (inputs, _) => [inputs[0]!.dim() == 4
                    ? nn.functional.adaptive_avg_pool2d(inputs[0]!, 1)
                    : inputs[0]!.mean([.. Enumerable.Range(2, (int)inputs[0]!.dim() - 2).Select(i => (long)i)], keepdim: true)];
            case "GlobalMaxPool":
                return (inputs, _) => [inputs[0]!.amax([.. Enumerable.Range(2, (int)inputs[0]!.dim() - 2).Select(i => (long)i)], keepdim: true)];
        }

        var window = new SpatialWindow(node);
        var kernel = node.Ints("kernel_shape");
        if (kernel is null)
        {
            node.Refuse("kernel_shape is missing");
            kernel = [1];
        }

        var ceil = node.Int("ceil_mode", 0) != 0;
        var spatial = kernel.Length;
        var strides = window.Strides(spatial);
        if (node.OpType == "MaxPool")
        {
            node.ProducesOnly(1);
            var dilations = window.Dilations(spatial);
            return (inputs, _) => [MaxPool(inputs[0]!, kernel, strides, window.Pads(inputs[0]!.shape.AsSpan(2), kernel), dilations, ceil)];
        }

        if (node.Has("dilations") && window.Dilations(spatial).Any(d => d != 1))
        {
            node.Refuse("AveragePool with dilations other than 1 is not supported");
        }

        var includePad = node.Int("count_include_pad", 0) != 0;
        return (inputs, _) => [AveragePool(inputs[0]!, kernel, strides, window.Pads(inputs[0]!.shape.AsSpan(2), kernel), includePad, ceil)];
    }

    private static Tensor MaxPool(Tensor x, long[] kernel, long[] strides, long[] pads, long[] dilations, bool ceil)
    {
        var symmetric = SpatialWindow.IsSymmetric(pads) && SpatialWindow.Begins(pads).Zip(kernel).All(p => p.First * 2 <= p.Second);
        if (symmetric)
        {
            return MaxPoolN(x, kernel, strides, SpatialWindow.Begins(pads), dilations, ceil);
        }

        using var padded = SpatialWindow.PadAsymmetric(x, pads, double.NegativeInfinity);
        return MaxPoolN(padded, kernel, strides, new long[kernel.Length], dilations, ceil);
    }

    private static Tensor MaxPoolN(Tensor x, long[] kernel, long[] strides, long[] padding, long[] dilations, bool ceil) =>
        kernel.Length switch
        {
            1 => nn.functional.max_pool1d(x, kernel[0], strides[0], padding[0], dilations[0], ceil),
            2 => nn.functional.max_pool2d(x, kernel, strides, padding, dilations, ceil),
            3 => nn.functional.max_pool3d(x, kernel, strides, padding, dilations, ceil),
            _ => throw new ArgumentException($"MaxPool over {kernel.Length} spatial axes is not supported"),
        };

    private static Tensor AveragePool(Tensor x, long[] kernel, long[] strides, long[] pads, bool includePad, bool ceil)
    {
        var symmetric = SpatialWindow.IsSymmetric(pads) && SpatialWindow.Begins(pads).Zip(kernel).All(p => p.First * 2 <= p.Second);
        if (symmetric)
        {
            return AveragePoolN(x, kernel, strides, SpatialWindow.Begins(pads), ceil, includePad);
        }

        var none = new long[kernel.Length];
        using var padded = SpatialWindow.PadAsymmetric(x, pads, 0);
        if (includePad)
        {
            return AveragePoolN(padded, kernel, strides, none, ceil, true);
        }

        using var unpadded = ones([1, 1, .. x.shape[2..]], dtype: x.dtype, device: x.device);
        using var mask = SpatialWindow.PadAsymmetric(unpadded, pads, 0);
        using var sums = AveragePoolN(padded, kernel, strides, none, ceil, true);
        using var counts = AveragePoolN(mask, kernel, strides, none, ceil, true);
        return sums.div(counts);
    }

    private static Tensor AveragePoolN(Tensor x, long[] kernel, long[] strides, long[] padding, bool ceil, bool includePad) =>
        kernel.Length switch
        {
            1 => nn.functional.avg_pool1d(x, kernel[0], strides[0], padding[0], ceil, includePad),
            2 => nn.functional.avg_pool2d(x, kernel, strides, padding, ceil, includePad),
            3 => nn.functional.avg_pool3d(x, kernel, strides, padding, ceil, includePad),
            _ => throw new ArgumentException($"AveragePool over {kernel.Length} spatial axes is not supported"),
        };
}
