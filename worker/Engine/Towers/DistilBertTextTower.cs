using Orchestrator.Worker.Engine.Networks.DistilBert;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>
/// Hugging Face's DistilBERT as the text tower, pooled at [CLS] as the study did. The model is registered as
/// `distilbert`, so the tower's keys read as in HF's task models (distilbert.embeddings…, distilbert.transformer…).
/// </summary>
public sealed class DistilBertTextTower : TextTower
{
    private readonly DistilBertModel distilbert;

    public DistilBertTextTower(DistilBertModel model)
        : base(TextTowerRegistry.DistilBert)
    {
        ArgumentNullException.ThrowIfNull(model);
        distilbert = model;
        RegisterComponents();
    }

    public DistilBertModel Model => distilbert;

    public override long FeatureWidth => distilbert.Config.Dim;

    public override Tensor forward(Tensor ids, Tensor attentionMask) => distilbert.ClsEmbedding(ids, attentionMask);
}
