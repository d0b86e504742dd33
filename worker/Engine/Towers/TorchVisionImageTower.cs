using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Networks.Layers;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>
/// A TorchVision classifier cut before its pooling and classifier: the kept stages are registered under
/// TorchVision's own names (so its state_dict keys load unchanged), and a global average pool replaces the
/// rest. TorchVision's fields are private, so the model is rebuilt from its named children in declaration
/// order, which is its forward order for every model in the registry.
/// </summary>
/// <remarks>
/// Google's published GoogLeNet and Inception v3 weights expect pixels scaled to [-1, 1], not ImageNet's mean and
/// std; torchvision builds those two with transform_input=True when it loads them, which rescales in forward.
/// That step is not a child module, so <c>rescaleToUnitRange</c> puts it back here.
/// </remarks>
public sealed class TorchVisionImageTower : ImageTower
{
    private readonly IReadOnlyList<nn.Module<Tensor, Tensor>> stages;
    private readonly long featureWidth;
    private readonly long removedHeadParameterCount;
    private readonly bool rescaleToUnitRange;
    private readonly bool channelsLast;

    public TorchVisionImageTower(string name, nn.Module classifier, IReadOnlySet<string> removedChildren, bool rescaleToUnitRange = false)
        : base(name)
    {
        this.rescaleToUnitRange = rescaleToUnitRange;
        ArgumentNullException.ThrowIfNull(classifier);
        channelsLast = classifier is IChannelsLastNetwork;
        ArgumentNullException.ThrowIfNull(removedChildren);
        var kept = new List<nn.Module<Tensor, Tensor>>();
        long? width = null;
        foreach (var (childName, child) in classifier.named_children())
        {
            if (removedChildren.Contains(childName))
            {
                // The classifier is the last removed child with a Linear (Inception's AuxLogits come before it);
                // its first Linear reads the pooled features, so its input width is ours.
                width = child.modules().Prepend(child).OfType<TorchSharp.Modules.Linear>().Select(l => l.in_features).Cast<long?>().FirstOrDefault() ?? width;
                removedHeadParameterCount += child.parameters().Sum(p => p.numel());
                continue;
            }

            var stage = child as nn.Module<Tensor, Tensor>
                ?? throw new InvalidOperationException($"{name}: stage {childName} is not a tensor-to-tensor module");
            register_module(childName, stage);
            kept.Add(stage);
        }

        stages = kept;
        featureWidth = width ?? throw new InvalidOperationException($"{name}: no Linear layer found in the removed head");
    }

    public override long FeatureWidth => featureWidth;

    public override long RemovedHeadParameterCount => removedHeadParameterCount;

    public override Tensor forward(Tensor input)
    {
        var x = rescaleToUnitRange ? ImageNetToUnitRange(input) : input;

        // The ports' stages are built for channels-last input, which their own forward (cut away here) provides.
        x = channelsLast ? ChannelsLast.From(x) : x;
        foreach (var stage in stages)
        {
            x = stage.call(x);
        }

        return nn.functional.adaptive_avg_pool2d(x, 1).flatten(1);
    }

    /// <summary>torchvision's _transform_input: undo ImageNet's normalisation, then map [0, 1] to [-1, 1].</summary>
    public static Tensor ImageNetToUnitRange(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var channels = Enumerable.Range(0, 3)
            .Select(c => (images.narrow(1, c, 1) * (ImagePixels.ChannelStd[c] / 0.5)) + ((ImagePixels.ChannelMean[c] - 0.5) / 0.5))
            .ToArray();
        return cat(channels, 1).MoveToOuterDisposeScope();
    }
}
