using Orchestrator.Worker.Engine.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.ResNet;

/// <summary>
/// torchvision's ResNet Bottleneck (v1.5: the stride sits on the 3×3 convolution), with its child names conv1…bn3
/// and downsample.0/.1. The two 1×1 convolutions and the 1×1 downsample are <see cref="PointwiseConv2d"/>.
/// </summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 4;

    private readonly PointwiseConv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly PointwiseConv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly ReLU relu;
    private readonly Sequential? downsample;

    public Bottleneck(long inputChannels, long width, long stride) : base(nameof(Bottleneck))
    {
        var output = width * Expansion;
        conv1 = new PointwiseConv2d(inputChannels, width);
        bn1 = nn.BatchNorm2d(width);
        conv2 = nn.Conv2d(width, width, 3, stride: stride, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(width);
        conv3 = new PointwiseConv2d(width, output);
        bn3 = nn.BatchNorm2d(output);
        relu = nn.ReLU(inplace: true);
        downsample = ResidualShortcut.Create(inputChannels, output, stride);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = relu.call(bn1.call(conv1.call(input)));
        x = relu.call(bn2.call(conv2.call(x)));
        x = bn3.call(conv3.call(x));
        var identity = downsample is null ? input : downsample.call(input);
        return relu.call(x.add_(identity)).MoveToOuterDisposeScope();
    }
}
