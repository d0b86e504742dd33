using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>
/// A text encoder: token ids and attention mask (both N×L, mask 1 on real tokens) in, one pooled vector per
/// caption (N×width) out — the input DistilBERT takes as well.
/// </summary>
public abstract class TextTower : nn.Module<Tensor, Tensor, Tensor>
{
    protected TextTower(string name)
        : base(name)
    {
    }

    public abstract long FeatureWidth { get; }
}
