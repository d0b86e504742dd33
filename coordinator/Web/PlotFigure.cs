using Orchestrator.Coordinator.Results;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// A plot on a page: a figure with the SVG as its image and links to the SVG and PNG files. A loss figure carries the
/// number of epochs it was drawn from (data-epochs, and ?v= in the image URL), which the live script bumps to fetch it anew.
/// </summary>
public static class PlotFigure
{
    /// <summary>
    /// Writes the figure <paramref name="id"/>: the plot at <paramref name="path"/> (its URL without extension, e.g.
    /// /sweeps/3/loss) with <paramref name="query"/> (compare's jobs=…, without "?"; empty for none). <paramref name="epochs"/>:
    /// the epochs reported, for a figure the live script refreshes; null for one it leaves alone.
    /// </summary>
    public static void Write(HtmlWriter page, string id, string path, string query, long? epochs, string alt, string caption)
    {
        ArgumentNullException.ThrowIfNull(page);
        var parameters = epochs is { } n ? Join(query, $"v={n}") : query;
        var svg = Url(path, PlotFormat.Svg, parameters);
        if (epochs is { } count)
        {
            page.Append($"<figure id=\"{id}\" data-epochs=\"{count}\">");
        }
        else
        {
            page.Append($"<figure id=\"{id}\">");
        }

        page.Append($"<img src=\"{svg}\" alt=\"{alt}\"><figcaption>{caption} ");
        page.Append($"<a href=\"{Url(path, PlotFormat.Svg, query)}\" download>SVG</a> · <a href=\"{Url(path, PlotFormat.Png, query)}\" download>PNG</a></figcaption></figure>");
    }

    private static string Url(string path, PlotFormat format, string query) => $"{path}.{format.Extension()}{(query.Length == 0 ? string.Empty : "?" + query)}";

    private static string Join(string query, string more) => query.Length == 0 ? more : $"{query}&{more}";
}
