using Orchestrator.Worker.Engine.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.MobileNet;

/// <summary>One row of torchvision's MobileNetV3 block table (`bneck_conf`), at width multiplier 1.</summary>
public sealed record InvertedResidualConfig(
    long InputChannels, long Kernel, long ExpandedChannels, long OutputChannels, bool SqueezeExcite, bool HardSwish, long Stride);

/// <summary>
/// torchvision's MobileNetV3 InvertedResidual: optional 1×1 expansion, depthwise k×k, optional squeeze-excitation
/// (ReLU, hard sigmoid), 1×1 projection without activation, residual when the shape is kept. Children live in
/// `block` as "0".."3", numbered as torchvision numbers them.
/// </summary>
public sealed class InvertedResidual : nn.Module<Tensor, Tensor>
{
    private readonly Sequential block;
    private readonly bool useResidual;

    public InvertedResidual(InvertedResidualConfig config, ConvNormActivation.Norm norm) : base(nameof(InvertedResidual))
    {
        ArgumentNullException.ThrowIfNull(config);
        Func<nn.Module<Tensor, Tensor>> activation = config.HardSwish ? () => nn.Hardswish() : () => nn.ReLU();
        var layers = new List<nn.Module<Tensor, Tensor>>();
        if (config.ExpandedChannels != config.InputChannels)
        {
            layers.Add(ConvNormActivation.Create(config.InputChannels, config.ExpandedChannels, 1, activation, norm));
        }

        layers.Add(ConvNormActivation.Create(
            config.ExpandedChannels, config.ExpandedChannels, config.Kernel, activation, norm, config.Stride, groups: config.ExpandedChannels));
        if (config.SqueezeExcite)
        {
            layers.Add(new SqueezeExcitation(config.ExpandedChannels, MakeDivisible(config.ExpandedChannels / 4, 8), nn.ReLU(), nn.Hardsigmoid()));
        }

        layers.Add(ConvNormActivation.Create(config.ExpandedChannels, config.OutputChannels, 1, activation: null, norm));
        block = NumberedSequential.Of(layers);
        useResidual = config.Stride == 1 && config.InputChannels == config.OutputChannels;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (!useResidual)
        {
            return block.call(input);
        }

        using var scope = NewDisposeScope();
        return (block.call(input) + input).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision's _make_divisible: the nearest multiple of <paramref name="divisor"/>, never 10 % below.</summary>
    public static long MakeDivisible(long value, long divisor)
    {
        var rounded = Math.Max(divisor, (value + (divisor / 2)) / divisor * divisor);
        return rounded < 0.9 * value ? rounded + divisor : rounded;
    }
}
