using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>
/// Checks of the strings a request carries: present when required, not longer than their limit, and free of
/// C0 control characters (NUL among them, which PostgreSQL refuses in text and jsonb). A refusal never echoes a
/// long or unprintable value back.
/// </summary>
public static partial class TextField
{
    /// <summary>How a worker id may look: issued ids are 32 hexadecimal digits; anything of this shape that is unknown is NOT_FOUND.</summary>
    public const string WorkerIdShape = "letters, digits, '.', '_' and '-', starting with a letter or digit";

    /// <summary>Adds a problem for <paramref name="field"/> when it is missing, too long or contains a control character.</summary>
    public static void Check(RequestProblems problems, string field, string value, int maxLength, bool required = true)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(value);
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                problems.Add(field, "is required");
            }

            return;
        }

        if (value.Length > maxLength)
        {
            problems.Add(field, string.Create(CultureInfo.InvariantCulture, $"is {value.Length} characters long; at most {maxLength} are allowed"));
            return;
        }

        var control = IndexOfControl(value);
        if (control >= 0)
        {
            problems.Add(field, string.Create(CultureInfo.InvariantCulture,
                $"contains the control character U+{(int)value[control]:X4} at position {control}; only printable characters are allowed"));
        }
    }

    /// <summary>A worker id: required, at most <paramref name="maxLength"/> characters of <see cref="WorkerIdShape"/>.</summary>
    public static void CheckWorkerId(RequestProblems problems, string field, string value, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(value);
        var before = problems.Count;
        Check(problems, field, value, maxLength);
        if (problems.Count == before && !WorkerId().IsMatch(value))
        {
            problems.Add(field, $"'{Printable(value)}' is not a worker id: ids are {WorkerIdShape} (RegisterWorker issues them)");
        }
    }

    /// <summary>Position of the first C0 control character other than those <paramref name="allowed"/>; -1 when none.</summary>
    public static int IndexOfControl(string value, string allowed = "")
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] < ' ' && !allowed.Contains(value[i], StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A value fit to quote in a message or a field path: control characters escaped, at most <paramref name="maxLength"/> characters.</summary>
    public static string Printable(string value, int maxLength = 64)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder();
        foreach (var c in value.Length > maxLength ? value[..maxLength] : value)
        {
            _ = c < ' ' ? text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}") : text.Append(c);
        }

        return value.Length > maxLength ? text.Append('…').ToString() : text.ToString();
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex WorkerId();
}
