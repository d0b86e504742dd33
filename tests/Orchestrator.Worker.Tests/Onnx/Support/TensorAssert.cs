using Xunit.Sdk;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx.Support;

/// <summary>Closeness in the sense the acceptance criteria use: max |expected − actual| ≤ tolerance × max(1,
/// max |expected|), i.e. absolute for small values, relative where values are large; shapes must match exactly.</summary>
internal static class TensorAssert
{
    public static double Close(Tensor expected, Tensor actual, double tolerance, string what)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (!expected.shape.SequenceEqual(actual.shape))
        {
            throw new XunitException($"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        }

        using var e = expected.detach().cpu().to_type(ScalarType.Float64);
        using var a = actual.detach().cpu().to_type(ScalarType.Float64);
        if (e.numel() == 0)
        {
            return 0;
        }

        using var difference = (e - a).abs();
        using var nan = a.isnan().logical_xor(e.isnan());
        var worst = difference.nan_to_num(0).max().item<double>();
        var scale = Math.Max(1, e.abs().nan_to_num(0).max().item<double>());
        if (nan.any().item<bool>() || worst > tolerance * scale)
        {
            throw new XunitException($"{what}: max |difference| {worst:G4} > {tolerance:G2} × {scale:G4} (max |expected|); NaN mismatch: {nan.any().item<bool>()}");
        }

        return worst / scale;
    }
}
