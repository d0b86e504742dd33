using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>Conv (1-, 2- and 3-D; grouped and depthwise through `group`; asymmetric pads through F.pad).</summary>
internal sealed class ConvOperator : IOperatorFamily
{
    public IReadOnlyCollection<string> OperatorTypes { get; } = ["Conv"];

    public NodeStep Prepare(OnnxNode node)
    {
        var window = new SpatialWindow(node);
        var group = node.Int("group", 1);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            var weight = inputs[1]!;
            var spatial = (int)x.dim() - 2;
            var kernel = weight.shape[2..];
            var pads = window.Pads(x.shape.AsSpan(2), kernel);
            var strides = window.Strides(spatial);
            var dilations = window.Dilations(spatial);
            if (SpatialWindow.IsSymmetric(pads))
            {
                return [Convolve(x, weight, inputs.Optional(2), strides, SpatialWindow.Begins(pads), dilations, group)];
            }

            using var padded = SpatialWindow.PadAsymmetric(x, pads, 0);
            return [Convolve(padded, weight, inputs.Optional(2), strides, new long[spatial], dilations, group)];
        };
    }

    private static Tensor Convolve(Tensor x, Tensor weight, Tensor? bias, long[] strides, long[] padding, long[] dilations, long group) =>
        x.dim() switch
        {
            3 => nn.functional.conv1d(x, weight, bias, strides[0], padding[0], dilations[0], group),
            4 => nn.functional.conv2d(x, weight, bias, strides, padding, dilations, group),
            5 => nn.functional.conv3d(x, weight, bias, strides, padding, dilations, group),
            _ => throw new ArgumentException($"Conv takes a 3-, 4- or 5-D input, got {x.dim()}-D"),
        };
}
