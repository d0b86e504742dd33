using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.Layers;

/// <summary>A Sequential whose children are named "0", "1", … as PyTorch's nn.Sequential(*layers) names them.</summary>
public static class NumberedSequential
{
    public static TorchSharp.Modules.Sequential Of(IEnumerable<nn.Module<Tensor, Tensor>> layers) =>
        nn.Sequential(layers.Select((layer, index) => (index.ToString(System.Globalization.CultureInfo.InvariantCulture), layer)));
}
