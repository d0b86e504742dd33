using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Losses;

/// <summary>A loss over a batch of matching image and text embeddings (row i of each belongs together).</summary>
public abstract class ContrastiveLoss : nn.Module<Tensor, Tensor, Tensor>
{
    protected ContrastiveLoss(string name)
        : base(name)
    {
    }

    public static ContrastiveLoss Create(string name, double temperature) => name switch
    {
        "study" => new StudySoftTargetLoss(temperature),
        "infonce" => new InfoNceLoss(),
        _ => throw new ArgumentException($"unknown loss '{name}'; known: study, infonce", nameof(name)),
    };
}
