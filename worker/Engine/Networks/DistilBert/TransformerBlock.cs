using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.DistilBert;

/// <summary>HF DistilBERT `TransformerBlock`: post-norm attention and feed-forward, each with a residual.</summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly MultiHeadSelfAttention attention;
    private readonly LayerNorm sa_layer_norm;
    private readonly FeedForward ffn;
    private readonly LayerNorm output_layer_norm;

    public TransformerBlock(DistilBertConfig config) : base(nameof(TransformerBlock))
    {
        attention = new MultiHeadSelfAttention(config);
        sa_layer_norm = nn.LayerNorm(config.Dim, eps: DistilBertModel.LayerNormEps);
        ffn = new FeedForward(config);
        output_layer_norm = nn.LayerNorm(config.Dim, eps: DistilBertModel.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var attended = sa_layer_norm.call(attention.call(hidden, attentionMask) + hidden);
        return output_layer_norm.call(ffn.call(attended) + attended).MoveToOuterDisposeScope();
    }
}
