using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.Weights;

/// <summary>A module's state_dict reduced to key → shape, the side of a <see cref="StateDictComparison"/> a model gives.</summary>
public static class ModuleShapes
{
    public static Dictionary<string, long[]> Of(nn.Module module) =>
        module.state_dict().ToDictionary(p => p.Key, p => p.Value.shape, StringComparer.Ordinal);
}
