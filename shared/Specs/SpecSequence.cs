using YamlDotNet.Core;

namespace Orchestrator.Shared.Specs;

/// <summary>A YAML list.</summary>
internal sealed class SpecSequence(Mark start) : SpecNode(start)
{
    public List<SpecNode> Items { get; } = [];
}
