using System.Globalization;
using System.Text.RegularExpressions;

namespace Orchestrator.Integration.Tests.Hostile;

/// <summary>
/// The placeholders of the catalogue's data files: `${repeat:C:N}` (the character C, N times) keeps huge values out
/// of the repository; `${name}` stands for a value of the live setup (the worker id, the leased job, …).
/// </summary>
public static partial class CatalogueText
{
    public static string Expand(string text, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(values);
        return Placeholder().Replace(text, match =>
        {
            if (match.Groups["char"].Success)
            {
                return new string(match.Groups["char"].Value[0], int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture));
            }

            var name = match.Groups["name"].Value;
            return values.TryGetValue(name, out var value)
                ? value
                : throw new InvalidOperationException($"the catalogue names ${{{name}}}, which the setup does not provide ({string.Join(", ", values.Keys)})");
        });
    }

    [GeneratedRegex(@"\$\{(?:repeat:(?<char>.):(?<count>\d+)|(?<name>[a-z_]+))\}")]
    private static partial Regex Placeholder();
}
