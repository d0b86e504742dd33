using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>
/// A small transformer encoder trained from scratch, for CPU runs: token + learned position embeddings, post-norm
/// encoder layers with GELU, and the first ([CLS]) token's final state as the caption vector.
/// </summary>
public sealed class SmallTransformerTextTower : TextTower
{
    private readonly Embedding token_embedding;
    private readonly Embedding position_embedding;
    private readonly Dropout dropout;
    private readonly TransformerEncoder encoder;
    private readonly LayerNorm layer_norm;
    private readonly long width;

    public SmallTransformerTextTower(long vocabularySize, long padId, int maxLength, int layers, int width, int heads, double dropoutRate)
        : base("small-transformer")
    {
        this.width = width;
        token_embedding = nn.Embedding(vocabularySize, width, padding_idx: padId);
        position_embedding = nn.Embedding(maxLength, width);
        dropout = nn.Dropout(dropoutRate);
        encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(width, heads, 4L * width, dropoutRate, nn.Activations.GELU), layers);
        layer_norm = nn.LayerNorm(width);
        RegisterComponents();
    }

    public override long FeatureWidth => width;

    public override Tensor forward(Tensor ids, Tensor attentionMask)
    {
        var positions = arange(ids.shape[1], device: ids.device);
        var x = dropout.call(token_embedding.call(ids) + position_embedding.call(positions));
        // TorchSharp's encoder is sequence-first; padding positions are masked out of attention.
        var encoded = encoder.call(x.transpose(0, 1), null!, attentionMask.eq(0));
        return layer_norm.call(encoded[0]);
    }
}
