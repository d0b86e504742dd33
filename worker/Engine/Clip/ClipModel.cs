using Orchestrator.Worker.Engine.Losses;
using Orchestrator.Worker.Engine.Towers;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Clip;

/// <summary>
/// Image tower and text tower, each with its projection head, plus the loss (a module too, because InfoNCE's
/// logit scale is a trained parameter that is checkpointed and optimised with the heads).
/// </summary>
public sealed class ClipModel : nn.Module<Tensor, Tensor, Tensor, (Tensor Image, Tensor Text)>
{
    private readonly ImageTower image_tower;
    private readonly TextTower text_tower;
    private readonly ProjectionHead image_projection;
    private readonly ProjectionHead text_projection;
    private readonly ContrastiveLoss loss;

    public ClipModel(ImageTower imageTower, TextTower textTower, ContrastiveLoss loss, int projectionLayers, long projectionDim, double dropout)
        : base(nameof(ClipModel))
    {
        ArgumentNullException.ThrowIfNull(imageTower);
        ArgumentNullException.ThrowIfNull(textTower);
        image_tower = imageTower;
        text_tower = textTower;
        image_projection = new ProjectionHead(imageTower.FeatureWidth, projectionLayers, projectionDim, dropout);
        text_projection = new ProjectionHead(textTower.FeatureWidth, projectionLayers, projectionDim, dropout);
        this.loss = loss;
        RegisterComponents();
    }

    public ImageTower ImageTower => image_tower;

    public TextTower TextTower => text_tower;

    public ContrastiveLoss Loss => loss;

    /// <summary>Parameters trained at head_lr with weight decay: both projection heads.</summary>
    public IEnumerable<TorchSharp.Modules.Parameter> HeadParameters =>
        image_projection.parameters().Concat(text_projection.parameters());

    public Tensor EncodeImages(Tensor images) => image_projection.call(image_tower.call(images));

    public Tensor EncodeTexts(Tensor ids, Tensor attentionMask) => text_projection.call(text_tower.call(ids, attentionMask));

    /// <summary>The image head alone, on features the image tower computed earlier (frozen towers).</summary>
    public Tensor ProjectImageFeatures(Tensor features) => image_projection.call(features);

    /// <summary>The text head alone, on features the text tower computed earlier (frozen towers).</summary>
    public Tensor ProjectTextFeatures(Tensor features) => text_projection.call(features);

    public override (Tensor Image, Tensor Text) forward(Tensor images, Tensor ids, Tensor attentionMask) =>
        (EncodeImages(images), EncodeTexts(ids, attentionMask));
}
