using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Orchestrator.Coordinator.Web;

/// <summary>Writes an interpolated string into an <see cref="HtmlWriter"/>: literals as markup, holes encoded.</summary>
[InterpolatedStringHandler]
public readonly ref struct HtmlInterpolation
{
    private readonly StringBuilder output;

    public HtmlInterpolation(int literalLength, int formattedCount, HtmlWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        output = writer.Output;
        output.EnsureCapacity(output.Length + literalLength + (formattedCount * 16));
    }

    public void AppendLiteral(string markup) => output.Append(markup);

    public void AppendFormatted(HtmlMarkup markup) => output.Append(markup.Value);

    public void AppendFormatted(string? text) => output.Append(HtmlWriter.Encoder.Encode(text ?? string.Empty));

    public void AppendFormatted<T>(T value) =>
        AppendFormatted(value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value?.ToString());
}
