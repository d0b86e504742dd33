namespace Orchestrator.Shared.Suggestions;

/// <summary>
/// What is wrong with a command line of `orch` or `orch-worker`, and how both refuse it alike: each problem the
/// parser found, a did-you-mean for each token not understood, and which `--help` to read.
/// </summary>
public sealed class CommandLineMistakes
{
    private readonly List<string> problems;
    private readonly List<string> misunderstood;

    /// <param name="parserProblems">the parser's messages</param>
    /// <param name="unmatchedTokens">the tokens the parser did not understand</param>
    /// <param name="arguments">
    /// the tokens the parser took as values: one that looks like a long option is a misspelt option the parser
    /// swallowed as a value (`orch submit --wach` reading "--wach" as the spec file), so it is refused too
    /// </param>
    public CommandLineMistakes(IEnumerable<string> parserProblems, IEnumerable<string> unmatchedTokens, IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(parserProblems);
        ArgumentNullException.ThrowIfNull(unmatchedTokens);
        ArgumentNullException.ThrowIfNull(arguments);
        problems = [.. parserProblems];
        var swallowed = arguments.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2).ToList();
        problems.AddRange(swallowed.Select(a => $"'{a}' is not an option here"));
        misunderstood = [.. unmatchedTokens.Concat(swallowed).Distinct(StringComparer.Ordinal)];
    }

    public bool Any => problems.Count > 0;

    /// <param name="error">where the report goes</param>
    /// <param name="program">`orch` or `orch-worker`</param>
    /// <param name="command">the command the mistake was made in, or null for the program itself</param>
    /// <param name="known">the options and commands the parser would have accepted where the mistake stands</param>
    public void Report(TextWriter error, string program, string? command, IReadOnlyCollection<string> known)
    {
        ArgumentNullException.ThrowIfNull(error);
        foreach (var problem in problems)
        {
            error.WriteLine($"{program}: {problem}");
        }

        foreach (var token in misunderstood)
        {
            if (NearestName.AmongCommandLine(token, known) is { } meant)
            {
                error.WriteLine($"{program}: '{token}': did you mean '{meant}'?");
            }
        }

        error.WriteLine($"Try `{(command is null ? program : $"{program} {command}")} --help`.");
    }
}
