using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// Builds a page from interpolated strings in which the literal parts are markup and every hole is text, encoded:
/// a sweep name, an error message or a worker name can never become markup. Markup built elsewhere goes into a hole
/// only as <see cref="HtmlMarkup"/>.
/// </summary>
public sealed class HtmlWriter
{
    // Every script is left readable (names, "±", "–") while <, >, &, quotes and control characters are encoded.
    internal static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    internal StringBuilder Output { get; } = new();

    public HtmlWriter Append([InterpolatedStringHandlerArgument("")] ref HtmlInterpolation html)
    {
        _ = html;
        return this;
    }

    public override string ToString() => Output.ToString();
}
