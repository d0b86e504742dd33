using Orchestrator.Worker.Engine.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.MobileNet;

/// <summary>
/// torchvision's `mobilenet_v2` with its module and parameter names (features.0 … features.18, classifier.1), so
/// its `.pth` loads unchanged; 3,504,872 parameters. Ported for the same reason as the ResNets: channels-last
/// activations and 1×1 layers as matrix products (<see cref="PointwiseConv2d"/>, <see cref="ChannelsLast"/>).
/// Like torchvision's, it pools in forward and has no avgpool child.
/// </summary>
public sealed class MobileNetV2 : nn.Module<Tensor, Tensor>, IChannelsLastNetwork
{
    public const int FeatureWidth = 1280;

    // torchvision's inverted_residual_setting: expansion t, output channels c, repeats n, first stride s.
    private static readonly (long T, long C, int N, long S)[] Stages = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

    private readonly Sequential features;
    private readonly Sequential classifier;

    public MobileNetV2(int numClasses = 1000) : base("mobilenet_v2")
    {
        var norm = new ConvNormActivation.Norm();
        long channels = 32;
        var layers = new List<nn.Module<Tensor, Tensor>> { ConvNormActivation.Create(3, channels, 3, () => nn.ReLU6(), norm, stride: 2) };
        foreach (var (t, c, n, s) in Stages)
        {
            for (var i = 0; i < n; i++)
            {
                layers.Add(new MobileNetV2Block(channels, c, i == 0 ? s : 1, t));
                channels = c;
            }
        }

        layers.Add(ConvNormActivation.Create(channels, FeatureWidth, 1, () => nn.ReLU6(), norm));
        features = NumberedSequential.Of(layers);
        classifier = nn.Sequential(("0", nn.Dropout(0.2)), ("1", nn.Linear(FeatureWidth, numClasses)));
        RegisterComponents();
        TorchvisionInitialisation.Apply(this, TorchvisionInitialisation.SmallNormalLinear);
    }

    /// <summary>The feature maps before pooling, as torchvision's `features`; the tower cutter keeps this child.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var pooled = nn.functional.adaptive_avg_pool2d(features.call(ChannelsLast.From(input)), 1).flatten(1);
        return classifier.call(pooled).MoveToOuterDisposeScope();
    }
}
