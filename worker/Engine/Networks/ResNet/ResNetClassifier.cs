using System.Globalization;
using Orchestrator.Worker.Engine.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.ResNet;

/// <summary>
/// torchvision's `resnet18` and `resnet50` with their module and parameter names (conv1, bn1, layer1 … layer4, fc),
/// so their `.pth` files load unchanged; 11,689,512 and 25,557,032 parameters. They replace TorchVision for .NET's
/// models so that 1×1 convolutions can be <see cref="PointwiseConv2d"/> and activations channels-last (why: see
/// there and <see cref="ChannelsLast"/>), which lets them train with oneDNN on for their other convolutions.
/// Children are declared in forward order, as the tower cutter expects.
/// </summary>
public sealed class ResNetClassifier : nn.Module<Tensor, Tensor>, IChannelsLastNetwork
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Flatten flatten;
    private readonly Linear fc;

    private ResNetClassifier(string name, IReadOnlyList<int> blocksPerStage, bool bottleneck, int numClasses) : base(name)
    {
        conv1 = nn.Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(64);
        relu = nn.ReLU(inplace: true);
        maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
        long channels = 64;
        var stages = new Sequential[4];
        for (var stage = 0; stage < stages.Length; stage++)
        {
            var width = 64L << stage;
            var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (var block = 0; block < blocksPerStage[stage]; block++)
            {
                var stride = stage > 0 && block == 0 ? 2 : 1;
                nn.Module<Tensor, Tensor> unit = bottleneck ? new Bottleneck(channels, width, stride) : new BasicBlock(channels, width, stride);
                blocks.Add((block.ToString(CultureInfo.InvariantCulture), unit));
                channels = bottleneck ? width * Bottleneck.Expansion : width;
            }

            stages[stage] = nn.Sequential(blocks);
        }

        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3]);
        avgpool = nn.AdaptiveAvgPool2d(1);
        flatten = nn.Flatten(1);
        fc = nn.Linear(channels, numClasses);
        RegisterComponents();
        TorchvisionInitialisation.Apply(this);
    }

    public static ResNetClassifier ResNet18(int numClasses = 1000) => new("resnet18", [2, 2, 2, 2], bottleneck: false, numClasses);

    public static ResNetClassifier ResNet50(int numClasses = 1000) => new("resnet50", [3, 4, 6, 3], bottleneck: true, numClasses);

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = maxpool.call(relu.call(bn1.call(conv1.call(ChannelsLast.From(input)))));
        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        return fc.call(flatten.call(avgpool.call(x))).MoveToOuterDisposeScope();
    }
}
