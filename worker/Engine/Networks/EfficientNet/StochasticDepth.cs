using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.EfficientNet;

/// <summary>
/// torchvision.ops.StochasticDepth in "row" mode: in training, drops a whole residual branch per sample with
/// probability p and rescales survivors by 1/(1-p); identity in eval, so it has no effect on parity.
/// </summary>
public sealed class StochasticDepth : nn.Module<Tensor, Tensor>
{
    public StochasticDepth(double probability) : base(nameof(StochasticDepth))
    {
        Probability = probability;
    }

    public double Probability { get; }

    public override Tensor forward(Tensor input)
    {
        if (!training || Probability == 0.0)
        {
            return input.alias();
        }

        using var scope = NewDisposeScope();
        var survival = 1.0 - Probability;
        var shape = new long[input.dim()];
        Array.Fill(shape, 1L);
        shape[0] = input.shape[0];
        var noise = empty(shape, input.dtype, input.device).bernoulli_(survival).div_(survival);
        return (input * noise).MoveToOuterDisposeScope();
    }
}
