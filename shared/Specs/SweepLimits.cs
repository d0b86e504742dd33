namespace Orchestrator.Shared.Specs;

/// <summary>
/// Bounds on what one spec may ask for and on the text that asks it. The size and YAML limits are checked before
/// anything is built from the text, so a hostile spec costs at most one bounded pass over it; a grid beyond
/// <see cref="MaxJobs"/> is a validation error.
/// </summary>
public sealed record SweepLimits(int MaxJobs = 10_000)
{
    public static SweepLimits Default { get; } = new();

    /// <summary>Largest spec, in UTF-8 bytes of its text; real specs are a few kilobytes.</summary>
    public int MaxSpecBytes { get; init; } = 1_048_576;

    /// <summary>Deepest nesting of mappings and lists; a spec needs 4 (`parameters.pretrained[0].image`).</summary>
    public int MaxYamlDepth { get; init; } = 32;

    /// <summary>Most alias references (`*name`); each is counted where it is written, never expanded.</summary>
    public int MaxAliases { get; init; } = 100;

    /// <summary>Most YAML nodes (scalars, lists, mappings, aliases) in the spec.</summary>
    public int MaxYamlNodes { get; init; } = 20_000;

    /// <summary>Longest free text: description, dataset paths, pretrained weight paths (characters).</summary>
    public int MaxTextLength { get; init; } = 4_096;
}
