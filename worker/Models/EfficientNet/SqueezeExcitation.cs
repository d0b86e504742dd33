using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Models.EfficientNet;

/// <summary>torchvision.ops.SqueezeExcitation with SiLU between the two 1×1 convolutions (names fc1, fc2).</summary>
public sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Conv2d fc1;
    private readonly Conv2d fc2;
    private readonly SiLU activation;
    private readonly Sigmoid scale_activation;

    public SqueezeExcitation(long channels, long squeezed) : base(nameof(SqueezeExcitation))
    {
        avgpool = nn.AdaptiveAvgPool2d(1);
        fc1 = nn.Conv2d(channels, squeezed, 1);
        fc2 = nn.Conv2d(squeezed, channels, 1);
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
