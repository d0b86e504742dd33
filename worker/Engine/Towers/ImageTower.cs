using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>An image encoder with its classifier removed: images (N×3×H×W) in, pooled features (N×width) out.</summary>
public abstract class ImageTower : nn.Module<Tensor, Tensor>
{
    protected ImageTower(string name)
        : base(name)
    {
    }

    /// <summary>Width of the pooled feature vector, read from the model itself.</summary>
    public abstract long FeatureWidth { get; }

    /// <summary>Parameters of the classifier that was removed, so the published counts can be checked.</summary>
    public abstract long RemovedHeadParameterCount { get; }
}
