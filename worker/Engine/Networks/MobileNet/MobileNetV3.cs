using Orchestrator.Worker.Engine.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.MobileNet;

/// <summary>
/// torchvision's `mobilenet_v3_small` and `mobilenet_v3_large` with their module and parameter names (features.0 …,
/// avgpool, classifier.0/.3), so their `.pth` files load unchanged; 2,542,856 and 5,483,032 parameters. Ported for
/// the same reason as the ResNets: channels-last activations and 1×1 layers as matrix products
/// (<see cref="PointwiseConv2d"/>, <see cref="ChannelsLast"/>).
/// </summary>
public sealed class MobileNetV3 : nn.Module<Tensor, Tensor>, IChannelsLastNetwork
{
    // torchvision's MobileNetV3 BatchNorm: eps 0.001, momentum 0.01.
    private static readonly ConvNormActivation.Norm Norm = new(1e-3, 0.01);

    private static readonly InvertedResidualConfig[] SmallBlocks =
    [
        new(16, 3, 16, 16, true, false, 2),
        new(16, 3, 72, 24, false, false, 2),
        new(24, 3, 88, 24, false, false, 1),
        new(24, 5, 96, 40, true, true, 2),
        new(40, 5, 240, 40, true, true, 1),
        new(40, 5, 240, 40, true, true, 1),
        new(40, 5, 120, 48, true, true, 1),
        new(48, 5, 144, 48, true, true, 1),
        new(48, 5, 288, 96, true, true, 2),
        new(96, 5, 576, 96, true, true, 1),
        new(96, 5, 576, 96, true, true, 1),
    ];

    private static readonly InvertedResidualConfig[] LargeBlocks =
    [
        new(16, 3, 16, 16, false, false, 1),
        new(16, 3, 64, 24, false, false, 2),
        new(24, 3, 72, 24, false, false, 1),
        new(24, 5, 72, 40, true, false, 2),
        new(40, 5, 120, 40, true, false, 1),
        new(40, 5, 120, 40, true, false, 1),
        new(40, 3, 240, 80, false, true, 2),
        new(80, 3, 200, 80, false, true, 1),
        new(80, 3, 184, 80, false, true, 1),
        new(80, 3, 184, 80, false, true, 1),
        new(80, 3, 480, 112, true, true, 1),
        new(112, 3, 672, 112, true, true, 1),
        new(112, 5, 672, 160, true, true, 2),
        new(160, 5, 960, 160, true, true, 1),
        new(160, 5, 960, 160, true, true, 1),
    ];

    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    private MobileNetV3(string name, InvertedResidualConfig[] blocks, long lastChannel, int numClasses) : base(name)
    {
        var layers = new List<nn.Module<Tensor, Tensor>> { ConvNormActivation.Create(3, blocks[0].InputChannels, 3, () => nn.Hardswish(), Norm, stride: 2) };
        layers.AddRange(blocks.Select(config => new InvertedResidual(config, Norm)));
        var lastConvolution = 6 * blocks[^1].OutputChannels;
        layers.Add(ConvNormActivation.Create(blocks[^1].OutputChannels, lastConvolution, 1, () => nn.Hardswish(), Norm));
        features = NumberedSequential.Of(layers);
        avgpool = nn.AdaptiveAvgPool2d(1);
        classifier = nn.Sequential(
            ("0", nn.Linear(lastConvolution, lastChannel)),
            ("1", nn.Hardswish()),
            ("2", nn.Dropout(0.2)),
            ("3", nn.Linear(lastChannel, numClasses)));
        RegisterComponents();
        TorchvisionInitialisation.Apply(this, TorchvisionInitialisation.SmallNormalLinear);
    }

    public static MobileNetV3 Small(int numClasses = 1000) => new("mobilenet_v3_small", SmallBlocks, 1024, numClasses);

    public static MobileNetV3 Large(int numClasses = 1000) => new("mobilenet_v3_large", LargeBlocks, 1280, numClasses);

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var pooled = avgpool.call(features.call(ChannelsLast.From(input))).flatten(1);
        return classifier.call(pooled).MoveToOuterDisposeScope();
    }
}
