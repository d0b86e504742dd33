using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.DistilBert;

/// <summary>HF DistilBERT `Embeddings`: word + learned position embeddings, LayerNorm (eps 1e-12), dropout.</summary>
public sealed class Embeddings : nn.Module<Tensor, Tensor>
{
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public Embeddings(DistilBertConfig config) : base(nameof(Embeddings))
    {
        word_embeddings = nn.Embedding(config.VocabSize, config.Dim, padding_idx: config.PadTokenId);
        position_embeddings = nn.Embedding(config.MaxPositions, config.Dim);
        LayerNorm = nn.LayerNorm(config.Dim, eps: DistilBertModel.LayerNormEps);
        dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var positions = arange(inputIds.shape[1], dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        var embedded = word_embeddings.call(inputIds) + position_embeddings.call(positions);
        return dropout.call(LayerNorm.call(embedded)).MoveToOuterDisposeScope();
    }
}
