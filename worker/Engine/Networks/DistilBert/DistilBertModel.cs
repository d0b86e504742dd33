using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.DistilBert;

/// <summary>
/// Hugging Face's DistilBertModel in TorchSharp with HF parameter names, so `model.safetensors` loads as is.
/// forward gives last_hidden_state [batch, length, dim]; <see cref="ClsEmbedding"/> the [CLS] row the study pooled.
/// </summary>
public sealed class DistilBertModel : nn.Module<Tensor, Tensor, Tensor>
{
    // HF DistilBERT hard-codes this LayerNorm epsilon (not PyTorch's 1e-5 default).
    public const double LayerNormEps = 1e-12;

    private readonly Embeddings embeddings;
    private readonly Transformer transformer;

    public DistilBertModel(DistilBertConfig config) : base(nameof(DistilBertModel))
    {
        Config = config;
        embeddings = new Embeddings(config);
        transformer = new Transformer(config);
        RegisterComponents();
    }

    public DistilBertConfig Config { get; }

    /// <param name="inputIds">[batch, length] int64 token ids.</param>
    /// <param name="attentionMask">[batch, length], 1 for tokens, 0 for padding.</param>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        return transformer.call(embeddings.call(inputIds), attentionMask).MoveToOuterDisposeScope();
    }

    /// <summary>last_hidden_state[:, 0, :] — the [CLS] token's output, [batch, dim].</summary>
    public Tensor ClsEmbedding(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        return forward(inputIds, attentionMask).select(1, 0).MoveToOuterDisposeScope();
    }
}
