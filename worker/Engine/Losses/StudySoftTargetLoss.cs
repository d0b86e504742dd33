using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Losses;

/// <summary>
/// The study's loss, reproduced as written: no L2 normalisation, logits = text·imageᵀ / T, soft targets =
/// softmax((image·imageᵀ + text·textᵀ)/2 · T) — T multiplies there, and the targets are not detached — and
/// the mean over rows of the two soft-target cross-entropies.
/// </summary>
public sealed class StudySoftTargetLoss : ContrastiveLoss
{
    private readonly double temperature;

    public StudySoftTargetLoss(double temperature)
        : base(nameof(StudySoftTargetLoss))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        this.temperature = temperature;
    }

    public override Tensor forward(Tensor imageEmbeddings, Tensor textEmbeddings)
    {
        var logits = textEmbeddings.matmul(imageEmbeddings.T) / temperature;
        var imageSimilarity = imageEmbeddings.matmul(imageEmbeddings.T);
        var textSimilarity = textEmbeddings.matmul(textEmbeddings.T);
        var targets = nn.functional.softmax((imageSimilarity + textSimilarity) / 2 * temperature, -1);
        var textsLoss = SoftCrossEntropy(logits, targets);
        var imagesLoss = SoftCrossEntropy(logits.T, targets.T);
        return ((imagesLoss + textsLoss) / 2).mean();
    }

    private static Tensor SoftCrossEntropy(Tensor logits, Tensor targets) =>
        (-targets * nn.functional.log_softmax(logits, -1)).sum(1);
}
