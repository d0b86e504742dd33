using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>Shape-valued tensors (Shape outputs, int64 constants) read as plain numbers; only ever called on
/// small integer tensors, never on activations.</summary>
internal static class ShapeValues
{
    public static long[] Read(Tensor value)
    {
        using var cpu = value.device_type == DeviceType.CPU && value.dtype == ScalarType.Int64
            ? value.alias()
            : value.to(ScalarType.Int64, CPU);
        using var flat = cpu.contiguous().flatten();
        return flat.data<long>().ToArray();
    }

    public static long Axis(long axis, long rank) => axis < 0 ? axis + rank : axis;

    public static long Product(ReadOnlySpan<long> dims)
    {
        long product = 1;
        foreach (var d in dims)
        {
            product *= d;
        }

        return product;
    }
}
