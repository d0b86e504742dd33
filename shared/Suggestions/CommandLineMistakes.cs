namespace Orchestrator.Shared.Suggestions;

/// <summary>
/// How `orch` and `orch-worker` refuse a wrong command line, alike: each problem the parser found, a did-you-mean
/// for each token it did not understand, and which `--help` to read.
/// </summary>
public static class CommandLineMistakes
{
    /// <param name="error">where the report goes</param>
    /// <param name="program">`orch` or `orch-worker`</param>
    /// <param name="command">the command the mistake was made in, or null for the program itself</param>
    /// <param name="problems">the parser's messages</param>
    /// <param name="unmatchedTokens">the tokens the parser did not understand</param>
    /// <param name="arguments">the tokens it took as arguments: one that looks like an option ("--coordinatr" read as a sweep id) is a typo too</param>
    /// <param name="known">the options and commands the parser would have accepted where the mistake stands</param>
    public static void Report(TextWriter error, string program, string? command, IEnumerable<string> problems, IEnumerable<string> unmatchedTokens, IEnumerable<string> arguments, IReadOnlyCollection<string> known)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(unmatchedTokens);
        ArgumentNullException.ThrowIfNull(arguments);
        foreach (var problem in problems)
        {
            error.WriteLine($"{program}: {problem}");
        }

        foreach (var token in unmatchedTokens.Concat(arguments.Where(a => a.StartsWith("--", StringComparison.Ordinal))).Distinct(StringComparer.Ordinal))
        {
            if (NearestName.AmongCommandLine(token, known) is { } meant)
            {
                error.WriteLine($"{program}: '{token}': did you mean '{meant}'?");
            }
        }

        error.WriteLine($"Try `{(command is null ? program : $"{program} {command}")} --help`.");
    }
}
