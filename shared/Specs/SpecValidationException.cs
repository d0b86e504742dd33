namespace Orchestrator.Shared.Specs;

/// <summary>A spec with at least one problem; <see cref="Problems"/> lists every one found, not just the first.</summary>
public sealed class SpecValidationException : Exception
{
    public SpecValidationException()
        : this([])
    {
    }

    public SpecValidationException(string message)
        : this([new SpecProblem("(spec)", message)])
    {
    }

    public SpecValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [new SpecProblem("(spec)", message)];
    }

    public SpecValidationException(IReadOnlyList<SpecProblem> problems)
        : base(Describe(problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<SpecProblem> Problems { get; }

    private static string Describe(IReadOnlyList<SpecProblem> problems) =>
        problems.Count == 0
            ? "The sweep spec is invalid."
            : $"The sweep spec has {problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}:" + Environment.NewLine +
              string.Join(Environment.NewLine, problems.Select(p => "  " + p));
}
