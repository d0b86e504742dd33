using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.Layers;

/// <summary>
/// torchvision.ops.SqueezeExcitation: average pool, 1×1 convolution (fc1), activation, 1×1 convolution (fc2), scale
/// activation, times the input. The two convolutions are <see cref="PointwiseConv2d"/>s with bias. EfficientNet
/// uses SiLU and sigmoid, MobileNetV3 ReLU and hard sigmoid.
/// </summary>
public sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly PointwiseConv2d fc1;
    private readonly PointwiseConv2d fc2;
    private readonly nn.Module<Tensor, Tensor> activation;
    private readonly nn.Module<Tensor, Tensor> scale_activation;

    public SqueezeExcitation(long channels, long squeezed, nn.Module<Tensor, Tensor> activation, nn.Module<Tensor, Tensor> scaleActivation)
        : base(nameof(SqueezeExcitation))
    {
        avgpool = nn.AdaptiveAvgPool2d(1);
        fc1 = new PointwiseConv2d(channels, squeezed, hasBias: true);
        fc2 = new PointwiseConv2d(squeezed, channels, hasBias: true);
        this.activation = activation;
        scale_activation = scaleActivation;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var scale = scale_activation.call(fc2.call(activation.call(fc1.call(avgpool.call(input)))));
        return (input * scale).MoveToOuterDisposeScope();
    }
}
