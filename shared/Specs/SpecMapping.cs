using YamlDotNet.Core;

namespace Orchestrator.Shared.Specs;

/// <summary>A YAML mapping, in the order written; a key given twice stays twice so it can be reported.</summary>
internal sealed class SpecMapping(Mark start) : SpecNode(start)
{
    public List<KeyValuePair<SpecNode, SpecNode>> Entries { get; } = [];
}
