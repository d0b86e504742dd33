using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.Layers;

/// <summary>
/// A 1×1 convolution computed as a matrix product, holding its parameters as torchvision's Conv2d does
/// (`weight` [out, in, 1, 1], optional `bias` [out]), so state_dicts load unchanged.
/// </summary>
/// <remarks>
/// Why not Conv2d: on CPUs that report no cache sizes (this project's VMs; see <c>TorchRuntime</c>) LibTorch 2.10's
/// oneDNN divides by zero planning some 1×1 convolutions (backward-data always, forward in channels-last layout at
/// some shapes), and plans others badly (64→256 channels at 56×56 runs at a fiftieth of its 3×3 rate). As a
/// product, the layer and both its gradients are GEMMs that never reach oneDNN, so a network's 3×3 and larger
/// convolutions can keep oneDNN, which runs them 3–20× faster than LibTorch's im2col path.
/// </remarks>
public sealed class PointwiseConv2d : nn.Module<Tensor, Tensor>
{
    private readonly long stride;

    // Named as torchvision's, which state_dict keys carry.
    private readonly Parameter weight;
    private readonly Parameter? bias;

    /// <summary>
    /// Starts as torchvision initialises the convolutions of its ResNets and EfficientNets: Kaiming-normal weights
    /// over fan-out with ReLU's gain, zero bias.
    /// </summary>
    public PointwiseConv2d(long inputChannels, long outputChannels, long stride = 1, bool hasBias = false) : base(nameof(PointwiseConv2d))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        this.stride = stride;
        InputChannels = inputChannels;
        OutputChannels = outputChannels;
        weight = new Parameter(empty(outputChannels, inputChannels, 1, 1));
        bias = hasBias ? new Parameter(zeros(outputChannels)) : null;
        RegisterComponents();
        using var noGrad = no_grad();
        nn.init.kaiming_normal_(weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
    }

    public long InputChannels { get; }

    public long OutputChannels { get; }

    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();

        // A strided 1×1 convolution reads every stride-th pixel: slice first, then it is a stride-1 product.
        var x = stride == 1 ? input : input[.., .., TensorIndex.Slice(null, null, stride), TensorIndex.Slice(null, null, stride)];
        var (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3]);
        var matrix = weight.view(OutputChannels, InputChannels);
        Tensor output;
        if (ChannelsLast.IsChannelsLast(input))
        {
            // Every pixel of the batch is a row (a copy only when strided), so the layer is one GEMM; the output
            // stays channels-last.
            var rows = x.permute(0, 2, 3, 1).reshape(batch * height * width, InputChannels);
            var product = bias is null ? matmul(rows, matrix.t()) : addmm(bias, rows, matrix.t(), 1, 1);
            output = product.view(batch, height, width, OutputChannels).permute(0, 3, 1, 2);
        }
        else
        {
            output = matmul(matrix, x.reshape(batch, InputChannels, height * width)).view(batch, OutputChannels, height, width);
            if (bias is not null)
            {
                output = output.add(bias.view(1, OutputChannels, 1, 1));
            }
        }

        return output.MoveToOuterDisposeScope();
    }
}
