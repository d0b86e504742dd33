using System.Globalization;
using System.Text;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>
/// Free text a worker sends about a failure (FailJob.error, ReleaseJob.reason). It is kept rather than refused,
/// because a long or odd message is still the best account of what went wrong: C0 control characters other than
/// tab, line feed and carriage return are escaped as \uXXXX (PostgreSQL refuses NUL in text), and a text longer
/// than the limit is cut with a marker saying how much was dropped.
/// </summary>
public static class ErrorText
{
    private const string KeptWhitespace = "\t\n\r";

    public static string Clean(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        var escaped = TextField.IndexOfControl(text, KeptWhitespace) < 0 ? text : Escape(text);
        if (escaped.Length <= maxLength)
        {
            return escaped;
        }

        // The marker's length depends on the number it carries; the second pass settles it.
        var keep = maxLength;
        for (var pass = 0; pass < 2; pass++)
        {
            keep = maxLength - Marker(escaped.Length - keep).Length;
        }

        if (char.IsHighSurrogate(escaped[keep - 1]))
        {
            keep--; // never split a surrogate pair
        }

        return string.Concat(escaped.AsSpan(0, keep), Marker(escaped.Length - keep));
    }

    private static string Marker(int dropped) => string.Create(CultureInfo.InvariantCulture, $"… [truncated {dropped} characters]");

    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c < ' ' && !KeptWhitespace.Contains(c, StringComparison.Ordinal)
                ? escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}")
                : escaped.Append(c);
        }

        return escaped.ToString();
    }
}
