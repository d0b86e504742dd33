using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.DistilBert;

/// <summary>
/// HF DistilBERT attention: q/k/v/out projections; padded keys masked with the dtype's lowest value before the
/// softmax (as HF does, so fully masked rows behave the same).
/// </summary>
public sealed class MultiHeadSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear q_lin;
    private readonly Linear k_lin;
    private readonly Linear v_lin;
    private readonly Linear out_lin;
    private readonly Dropout dropout;
    private readonly int heads;

    public MultiHeadSelfAttention(DistilBertConfig config) : base(nameof(MultiHeadSelfAttention))
    {
        q_lin = nn.Linear(config.Dim, config.Dim);
        k_lin = nn.Linear(config.Dim, config.Dim);
        v_lin = nn.Linear(config.Dim, config.Dim);
        out_lin = nn.Linear(config.Dim, config.Dim);
        dropout = nn.Dropout(config.AttentionDropout);
        heads = config.Heads;
        RegisterComponents();
    }

    /// <param name="hidden">[batch, length, dim]</param>
    /// <param name="attentionMask">[batch, length], 1 for tokens, 0 for padding.</param>
    public override Tensor forward(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var (batch, length, dim) = (hidden.shape[0], hidden.shape[1], hidden.shape[2]);
        var headWidth = dim / heads;
        Tensor Split(Tensor x) => x.view(batch, length, heads, headWidth).transpose(1, 2);

        var query = Split(q_lin.call(hidden)) / Math.Sqrt(headWidth);
        var key = Split(k_lin.call(hidden));
        var value = Split(v_lin.call(hidden));
        var scores = matmul(query, key.transpose(2, 3));
        var padded = attentionMask.eq(0).view(batch, 1, 1, length).expand_as(scores);
        scores = scores.masked_fill(padded, finfo(scores.dtype).min);
        var weights = dropout.call(scores.softmax(-1));
        var context = matmul(weights, value).transpose(1, 2).contiguous().view(batch, length, dim);
        return out_lin.call(context).MoveToOuterDisposeScope();
    }
}
