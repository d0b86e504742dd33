using Orchestrator.Worker.Engine.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.ResNet;

/// <summary>
/// torchvision's ResNet BasicBlock (two 3×3 convolutions) with its child names conv1, bn1, conv2, bn2 and
/// downsample.0/.1; the 1×1 downsample is a <see cref="PointwiseConv2d"/>.
/// </summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;

    public BasicBlock(long inputChannels, long width, long stride) : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(inputChannels, width, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(width);
        relu = nn.ReLU(inplace: true);
        conv2 = nn.Conv2d(width, width, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(width);
        downsample = ResidualShortcut.Create(inputChannels, width, stride);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = relu.call(bn1.call(conv1.call(input)));
        x = bn2.call(conv2.call(x));
        var identity = downsample is null ? input : downsample.call(input);
        return relu.call(x.add_(identity)).MoveToOuterDisposeScope();
    }
}
