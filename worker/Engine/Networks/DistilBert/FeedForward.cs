using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.DistilBert;

/// <summary>HF DistilBERT `FFN`: lin1 → exact (erf) GELU → lin2 → dropout.</summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    private readonly Linear lin1;
    private readonly Linear lin2;
    private readonly GELU activation;
    private readonly Dropout dropout;

    public FeedForward(DistilBertConfig config) : base(nameof(FeedForward))
    {
        lin1 = nn.Linear(config.Dim, config.HiddenDim);
        lin2 = nn.Linear(config.HiddenDim, config.Dim);
        activation = nn.GELU();
        dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return dropout.call(lin2.call(activation.call(lin1.call(input)))).MoveToOuterDisposeScope();
    }
}
