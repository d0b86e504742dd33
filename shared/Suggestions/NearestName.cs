namespace Orchestrator.Shared.Suggestions;

/// <summary>
/// The known name a mistyped one was most likely meant to be: the did-you-mean of an unknown spec key, and of an
/// unknown option or command of `orch` and `orch-worker`, so the three suggest alike.
/// </summary>
public static class NearestName
{
    /// <summary>Edits beyond this are a different word, not a typo: suggesting it would mislead.</summary>
    public const int MaxEdits = 3;

    /// <summary>The known name fewest edits away from <paramref name="typed"/> (ties: the first in ordinal order), or null when none is close.</summary>
    public static string? Among(string typed, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(known);
        var closest = known.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).MinBy(k => EditDistance(k, typed));
        return closest is not null && EditDistance(closest, typed) <= MaxEdits ? closest : null;
    }

    /// <summary>
    /// The option or command a mistyped command-line token was meant to be, among the names valid where it stands:
    /// a token that starts with '-' is a long option's typo ("--devics"), any other a command word's ("trian");
    /// a stray value ("3") is neither and gets no suggestion.
    /// </summary>
    public static string? AmongCommandLine(string token, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(names);
        var candidates = token.StartsWith('-')
            ? names.Where(n => n.StartsWith("--", StringComparison.Ordinal))
            : names.Where(n => n.Length > 0 && char.IsLetter(n[0]));
        return token.Any(char.IsLetter) ? Among(token, candidates) : null;
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions of one character each count one.</summary>
    public static int EditDistance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), substitution);
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
