namespace Orchestrator.Shared.Specs;

/// <summary>One thing wrong with a sweep spec: where it is (a YAML path such as `parameters.head_lr[1]`) and what is wrong.</summary>
public sealed record SpecProblem(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
