using YamlDotNet.Core;

namespace Orchestrator.Shared.Specs;

/// <summary>A YAML scalar; a quoted one is always text (`"3"` is not the number 3).</summary>
internal sealed class SpecScalar(Mark start, string value, bool quoted) : SpecNode(start)
{
    public string Value { get; } = value;

    public bool IsQuoted { get; } = quoted;
}
