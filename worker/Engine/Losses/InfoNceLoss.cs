using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Losses;

/// <summary>
/// Symmetric InfoNCE over L2-normalised embeddings with a learnable log logit scale, as in CLIP/open_clip:
/// initialised to ln(1/0.07) and clamped at ln(100) so the logits cannot blow up.
/// </summary>
public sealed class InfoNceLoss : ContrastiveLoss
{
    public static readonly double InitialLogScale = Math.Log(1 / 0.07);
    public static readonly double MaxLogScale = Math.Log(100);

    private readonly Parameter logit_scale;

    public InfoNceLoss(double initialLogScale = double.NaN)
        : base(nameof(InfoNceLoss))
    {
        logit_scale = nn.Parameter(tensor(double.IsNaN(initialLogScale) ? InitialLogScale : initialLogScale, dtype: ScalarType.Float32));
        RegisterComponents();
    }

    public Tensor LogitScale => logit_scale;

    public override Tensor forward(Tensor imageEmbeddings, Tensor textEmbeddings)
    {
        var image = nn.functional.normalize(imageEmbeddings, dim: 1);
        var text = nn.functional.normalize(textEmbeddings, dim: 1);
        var scale = logit_scale.clamp_max(MaxLogScale).exp();
        var logitsPerImage = scale * image.matmul(text.T);
        var labels = arange(image.shape[0], dtype: ScalarType.Int64, device: image.device);
        return (nn.functional.cross_entropy(logitsPerImage, labels) + nn.functional.cross_entropy(logitsPerImage.T, labels)) / 2;
    }
}
