namespace Orchestrator.Coordinator.Results;

/// <summary>The image formats plots are written in: PNG for slides, SVG for papers and the web.</summary>
public enum PlotFormat
{
    Png,
    Svg,
}

/// <summary>A plot format's file extension and media type, and the format a file name asks for.</summary>
public static class PlotFormats
{
    public static readonly IReadOnlyList<PlotFormat> All = [PlotFormat.Png, PlotFormat.Svg];

    public static string Extension(this PlotFormat format) => format == PlotFormat.Svg ? "svg" : "png";

    public static string MediaType(this PlotFormat format) => format == PlotFormat.Svg ? "image/svg+xml" : "image/png";

    /// <summary>The format an extension (without the dot, any case) names; null for any other.</summary>
    public static PlotFormat? FromExtension(string extension) =>
        All.Select(f => (PlotFormat?)f).FirstOrDefault(f => string.Equals(f!.Value.Extension(), extension, StringComparison.OrdinalIgnoreCase));
}
