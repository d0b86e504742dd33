using System.Globalization;
using System.Text;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// Which characters spec text may hold, and how a value from a spec is quoted back in a problem message:
/// short, and with control characters escaped, so a hostile value cannot bloat or garble the error a client sees.
/// </summary>
public static class SpecText
{
    private const int QuotedLength = 60;

    /// <summary>
    /// Index of the first character that no spec text may hold (NUL and other C0 controls, DEL, the C1 controls
    /// U+0080–U+009F, which terminals read as escape sequences (U+009B is CSI), lone surrogates, U+FFFD, which marks
    /// bytes that were not valid UTF-8), or -1. Free text (<paramref name="freeText"/>)
    /// may hold tabs and line breaks.
    /// </summary>
    public static int IndexOfDisallowed(string text, bool freeText)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            var allowed = c switch
            {
                '\t' or '\n' or '\r' => freeText,
                < ' ' or (>= '\u007f' and <= '\u009f') or '\ufffd' or '\ufffe' or '\uffff' => false,
                _ => !char.IsSurrogate(c),
            };
            if (!allowed)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>What is wrong with the character at <paramref name="index"/>, for a problem message.</summary>
    public static string DescribeDisallowed(string text, int index)
    {
        ArgumentNullException.ThrowIfNull(text);
        var c = text[index];
        return c switch
        {
            '\ufffd' => "holds U+FFFD, the mark of bytes that were not valid UTF-8: save the spec as UTF-8 text",
            _ when char.IsSurrogate(c) => $"holds a lone surrogate (U+{(int)c:X4}), which is not valid UTF-8 text",
            _ => $"holds the control character U+{(int)c:X4}, which is not allowed here",
        };
    }

    /// <summary>The value in single quotes, cut to a few dozen characters, control characters escaped.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var quoted = new StringBuilder("'");
        foreach (var c in value.Length > QuotedLength ? value[..QuotedLength] : value)
        {
            quoted.Append(char.IsControl(c) || char.IsSurrogate(c) || c == '\ufffd'
                ? "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture)
                : c.ToString());
        }

        quoted.Append('\'');
        return value.Length > QuotedLength ? $"{quoted}… ({value.Length:N0} characters)" : quoted.ToString();
    }
}
