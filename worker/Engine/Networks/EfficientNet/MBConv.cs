using Orchestrator.Worker.Engine.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.EfficientNet;

/// <summary>
/// torchvision's MBConv: optional 1×1 expansion, depthwise k×k, squeeze-excitation (squeeze = input/4),
/// 1×1 projection without activation, residual with stochastic depth when shape is preserved.
/// Children live in `block` as "0".."3" exactly as torchvision numbers them.
/// </summary>
public sealed class MBConv : nn.Module<Tensor, Tensor>
{
    private readonly Sequential block;
    private readonly StochasticDepth stochastic_depth;
    private readonly bool useResidual;

    public MBConv(MBConvConfig config, double stochasticDepthProbability) : base(nameof(MBConv))
    {
        var expanded = config.ExpandedChannels;
        var layers = new List<nn.Module<Tensor, Tensor>>();
        if (expanded != config.InputChannels)
        {
            layers.Add(ConvNormActivation.Create(config.InputChannels, expanded, 1, nn.SiLU, EfficientNetB0.Norm));
        }

        layers.Add(ConvNormActivation.Create(expanded, expanded, config.Kernel, nn.SiLU, EfficientNetB0.Norm, config.Stride, groups: expanded));
        layers.Add(new SqueezeExcitation(expanded, Math.Max(1, config.InputChannels / 4), nn.SiLU(), nn.Sigmoid()));
        layers.Add(ConvNormActivation.Create(expanded, config.OutputChannels, 1, activation: null, EfficientNetB0.Norm));

        block = NumberedSequential.Of(layers);
        stochastic_depth = new StochasticDepth(stochasticDepthProbability);
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
        return (stochastic_depth.call(block.call(input)) + input).MoveToOuterDisposeScope();
    }
}
