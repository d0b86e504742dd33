using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>Conv's and the pools' window attributes (auto_pad, pads, strides, dilations), read once. ONNX pads are
/// [x1_begin, x2_begin, …, x1_end, x2_end] and may be asymmetric; torch pads symmetrically, so asymmetric ones are
/// applied with F.pad first.</summary>
internal sealed class SpatialWindow
{
    private static readonly string[] AutoPads = ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"];

    private readonly string autoPad;
    private readonly long[]? pads;
    private readonly long[]? strides;
    private readonly long[]? dilations;

    public SpatialWindow(OnnxNode node)
    {
        autoPad = node.String("auto_pad", "NOTSET");
        if (!AutoPads.Contains(autoPad))
        {
            node.Refuse($"auto_pad '{autoPad}' is not one of {string.Join(", ", AutoPads)}");
        }

        pads = node.Ints("pads");
        strides = node.Ints("strides");
        dilations = node.Ints("dilations");
        if (pads is not null && pads.Length % 2 != 0)
        {
            node.Refuse($"pads [{string.Join(", ", pads)}] must hold a begin and an end per spatial axis");
        }
    }

    public long[] Strides(int spatial) => strides ?? Ones(spatial);

    public long[] Dilations(int spatial) => dilations ?? Ones(spatial);

    /// <summary>ONNX-order pads for an input of these spatial sizes and this kernel.</summary>
    public long[] Pads(ReadOnlySpan<long> inputSizes, long[] kernel)
    {
        var spatial = kernel.Length;
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            var s = Strides(spatial);
            var d = Dilations(spatial);
            var result = new long[2 * spatial];
            for (var i = 0; i < spatial; i++)
            {
                var output = (inputSizes[i] + s[i] - 1) / s[i];
                var total = Math.Max(0, ((output - 1) * s[i]) + ((kernel[i] - 1) * d[i]) + 1 - inputSizes[i]);
                var small = total / 2;
                (result[i], result[i + spatial]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
            }

            return result;
        }

        return autoPad == "VALID" || pads is null ? new long[2 * spatial] : pads;
    }

    public static bool IsSymmetric(long[] pads)
    {
        var spatial = pads.Length / 2;
        for (var i = 0; i < spatial; i++)
        {
            if (pads[i] != pads[i + spatial])
            {
                return false;
            }
        }

        return true;
    }

    public static long[] Begins(long[] pads) => pads[..(pads.Length / 2)];

    /// <summary>ONNX pads over the last axes in F.pad's order (last axis first, begin then end).</summary>
    public static long[] ForTorchPad(long[] pads)
    {
        var spatial = pads.Length / 2;
        var result = new long[pads.Length];
        for (var i = 0; i < spatial; i++)
        {
            result[2 * i] = pads[spatial - 1 - i];
            result[(2 * i) + 1] = pads[(2 * spatial) - 1 - i];
        }

        return result;
    }

    public static Tensor PadAsymmetric(Tensor x, long[] pads, double value) =>
        nn.functional.pad(x, ForTorchPad(pads), PaddingModes.Constant, value);

    public static long[] Ones(int count) => [.. Enumerable.Repeat(1L, count)];
}
