using YamlDotNet.Core;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// One node of a spec as read from YAML. An alias is the very node its anchor names (shared, never copied), and
/// the tree is known to be acyclic and within <see cref="SweepLimits"/>, so walking it costs at most its size.
/// </summary>
internal abstract class SpecNode(Mark start)
{
    public Mark Start { get; } = start;
}
