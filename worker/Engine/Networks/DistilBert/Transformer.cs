using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.DistilBert;

/// <summary>HF DistilBERT `Transformer`: the stack of blocks, named transformer.layer.N.</summary>
public sealed class Transformer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<TransformerBlock> layer;

    public Transformer(DistilBertConfig config) : base(nameof(Transformer))
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new TransformerBlock(config)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        foreach (var block in layer)
        {
            hidden = block.call(hidden, attentionMask);
        }

        return hidden.MoveToOuterDisposeScope();
    }
}
