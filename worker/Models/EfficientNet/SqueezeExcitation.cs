using Orchestrator.Worker.Models.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Models.EfficientNet;

/// <summary>torchvision.ops.SqueezeExcitation with SiLU between the two 1×1 convolutions (names fc1, fc2; each a <see cref="PointwiseConv2d"/>).</summary>
public sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly PointwiseConv2d fc1;
    private readonly PointwiseConv2d fc2;
    private readonly SiLU activation;
    private readonly Sigmoid scale_activation;

    public SqueezeExcitation(long channels, long squeezed) : base(nameof(SqueezeExcitation))
    {
        avgpool = nn.AdaptiveAvgPool2d(1);
        fc1 = new PointwiseConv2d(channels, squeezed, hasBias: true);
        fc2 = new PointwiseConv2d(squeezed, channels, hasBias: true);
        activation = nn.SiLU();
        scale_activation = nn.Sigmoid();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var scale = scale_activation.call(fc2.call(activation.call(fc1.call(avgpool.call(input)))));
        return (input * scale).MoveToOuterDisposeScope();
    }
}
