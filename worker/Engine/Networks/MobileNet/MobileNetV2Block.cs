using Orchestrator.Worker.Engine.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.MobileNet;

/// <summary>
/// torchvision's MobileNetV2 InvertedResidual: optional 1×1 expansion (ReLU6), depthwise 3×3 (ReLU6), then a bare
/// 1×1 projection and BatchNorm, residual when the shape is kept. Children live in `conv` as "0".."3", numbered
/// as torchvision numbers them (the projection's convolution and norm are separate children there).
/// </summary>
public sealed class MobileNetV2Block : nn.Module<Tensor, Tensor>
{
    private readonly Sequential conv;
    private readonly bool useResidual;

    public MobileNetV2Block(long input, long output, long stride, long expandRatio) : base(nameof(MobileNetV2Block))
    {
        var hidden = input * expandRatio;
        var norm = new ConvNormActivation.Norm();
        var layers = new List<nn.Module<Tensor, Tensor>>();
        if (expandRatio != 1)
        {
            layers.Add(ConvNormActivation.Create(input, hidden, 1, () => nn.ReLU6(), norm));
        }

        layers.Add(ConvNormActivation.Create(hidden, hidden, 3, () => nn.ReLU6(), norm, stride, groups: hidden));
        layers.Add(new PointwiseConv2d(hidden, output));
        layers.Add(nn.BatchNorm2d(output));
        conv = NumberedSequential.Of(layers);
        useResidual = stride == 1 && input == output;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (!useResidual)
        {
            return conv.call(input);
        }

        using var scope = NewDisposeScope();
        return (input + conv.call(input)).MoveToOuterDisposeScope();
    }
}
