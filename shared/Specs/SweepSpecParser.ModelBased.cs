namespace Orchestrator.Shared.Specs;

public static partial class SweepSpecParser
{
    /// <summary>
    /// Parses and validates a `method: tpe` spec, which expands to no jobs up front: the coordinator suggests them as
    /// results arrive (with <c>Orchestrator.Shared.Search.SearchSpace.FromSpec</c> and the TPE sampler). Throws
    /// <see cref="SpecValidationException"/> listing every problem, a method other than tpe among them.
    /// </summary>
    public static SweepSpec ParseModelBased(string text, SweepLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<SpecProblem>();
        var spec = Read(text, limits ?? SweepLimits.Default, problems);
        if (spec is not null && spec.Method != TpeSpecRules.Method)
        {
            problems.Add(new SpecProblem("method", $"a model-based sweep needs method tpe, not {SpecText.Quote(spec.Method)}; grid and random sweeps expand with Parse"));
        }

        return spec is null || problems.Count > 0 ? throw new SpecValidationException(problems) : spec;
    }
}
