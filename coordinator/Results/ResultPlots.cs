using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Orchestrator.Shared.Metrics;
using ScottPlot;

namespace Orchestrator.Coordinator.Results;

/// <summary>
/// The sweep's plots, rendered to bytes (PNG, or SVG as UTF-8) for the dashboard, or written to a file whose extension
/// picks the format for `orch results --plots` and `orch demo`: the file holds exactly the bytes the dashboard serves.
/// </summary>
public static partial class ResultPlots
{
    /// <summary>Train (solid) and validation (dashed) loss per epoch, one colour per job, written to <paramref name="path"/>.</summary>
    public static void SaveLossCurves(IReadOnlyList<LossCurve> curves, string title, string path, PlotSize? size = null) =>
        File.WriteAllBytes(path, LossCurves(curves, title, FormatOf(path), size));

    /// <summary>Retrieval against a cost with its Pareto front (<see cref="RetrievalVersusCost"/>), written to <paramref name="path"/>.</summary>
    public static void SaveRetrievalVersusCost(ResultTable table, string costKey, string path, PlotSize? size = null) =>
        File.WriteAllBytes(path, RetrievalVersusCost(table, costKey, FormatOf(path), size));

    /// <summary>Train (solid) and validation (dashed) loss per epoch, one colour per job.</summary>
    public static byte[] LossCurves(IReadOnlyList<LossCurve> curves, string title, PlotFormat format, PlotSize? size = null)
    {
        ArgumentNullException.ThrowIfNull(curves);
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < curves.Count; i++)
        {
            var curve = curves[i];
            var colour = palette.GetColor(i);
            var train = plot.Add.Scatter(curve.Epochs.ToArray(), curve.Train.ToArray(), colour);
            train.LegendText = $"{curve.Label} train";
            train.LineWidth = 2;
            if (curve.Val.Count == curve.Epochs.Count)
            {
                var val = plot.Add.Scatter(curve.Epochs.ToArray(), curve.Val.ToArray(), colour);
                val.LegendText = $"{curve.Label} val";
                if (format == PlotFormat.Svg)
                {
                    val.LineWidth = ValidationSvgMarkWidth; // solid here, dashed by DashValidationLines
                }
                else
                {
                    val.LinePattern = LinePattern.Dashed;
                    val.LineWidth = 2;
                }
            }
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true }; // epochs are whole: no 1.05
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.ShowLegend(Alignment.UpperRight);
        var bytes = Render(plot, format, size ?? PlotSize.Default);
        return format == PlotFormat.Svg ? Encoding.UTF8.GetBytes(DashValidationLines(Encoding.UTF8.GetString(bytes))) : bytes;
    }

    /// <summary>
    /// Retrieval (the table's ranking metric) against a cost metric, one labelled point per group, with the
    /// Pareto front drawn as a step line through the non-dominated groups.
    /// </summary>
    public static byte[] RetrievalVersusCost(ResultTable table, string costKey, PlotFormat format, PlotSize? size = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var benefit = MetricCatalog.FindColumn(table.RankBy);
        var cost = MetricCatalog.FindColumn(costKey);
        var points = table.RankedRows
            .Where(r => r.Mean(benefit.Key) is not null && r.Mean(cost.Key) is not null)
            .Select(r => (Row: r, X: r.Mean(cost.Key)!.Value, Y: r.Mean(benefit.Key)!.Value))
            .ToList();
        var plot = new Plot();
        var front = ParetoFront.Optimal(points.Select(p => p.Row).ToList(), benefit, cost).ToHashSet();

        var dominated = points.Where(p => !front.Contains(p.Row)).ToList();
        if (dominated.Count > 0)
        {
            var markers = plot.Add.Markers(dominated.Select(p => p.X).ToArray(), dominated.Select(p => p.Y).ToArray(), MarkerShape.FilledCircle, 9, Colors.Gray);
            markers.LegendText = "dominated";
        }

        var onFront = points.Where(p => front.Contains(p.Row)).OrderBy(p => p.X).ToList();
        if (onFront.Count > 0)
        {
            var line = plot.Add.Scatter(onFront.Select(p => p.X).ToArray(), onFront.Select(p => p.Y).ToArray(), Colors.OrangeRed);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.MarkerSize = 11;
            line.LineWidth = 2;
            line.LegendText = "Pareto front";
        }

        foreach (var point in points)
        {
            var label = plot.Add.Text(point.Row.Label, point.X, point.Y);
            label.LabelFontSize = 12;
            label.OffsetX = 8;
            label.OffsetY = -8;
        }

        plot.Axes.Margins(horizontal: 0.15, vertical: 0.1); // room for the labels of the outermost points
        plot.Title($"{benefit.Heading} vs {cost.Heading}");
        plot.XLabel(cost.Heading);
        plot.YLabel(benefit.Heading);
        plot.ShowLegend(Alignment.LowerRight);
        return Render(plot, format, size ?? PlotSize.Default);
    }

    private static byte[] Render(Plot plot, PlotFormat format, PlotSize size) => format switch
    {
        PlotFormat.Svg => Encoding.UTF8.GetBytes(NumberClipsInOrder(plot.GetSvgXml(size.Width, size.Height))),
        _ => plot.GetImageBytes(size.Width, size.Height, ImageFormat.Png),
    };

    /// <summary>
    /// Skia names clip paths from a counter that runs on across renders (cl_1e in one file, cl_24 in the next), so the
    /// same plot drawn twice would differ; numbered in order of appearance, equal data gives equal bytes. Only the
    /// attribute forms are touched: label text is escaped, so it cannot hold id="…" or url(#…).
    /// </summary>
    private static string NumberClipsInOrder(string svg)
    {
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        return ClipReference().Replace(svg, match =>
        {
            var id = match.Groups["id"].Value;
            if (!numbers.TryGetValue(id, out var number))
            {
                number = numbers.Count + 1;
                numbers[id] = number;
            }

            return string.Create(CultureInfo.InvariantCulture, $"{match.Groups["before"].Value}cl_{number}{match.Groups["after"].Value}");
        });
    }

    /// <summary>
    /// Skia's SVG backend supports no path effects: a dashed line is left out of the file altogether (with "Unsupported
    /// path effect in addPaint." on stdout), so an SVG loss figure had no validation curves. They are drawn solid at a
    /// width no other line of the figure has, and that width is turned into a dashed stroke of the usual width here
    /// (the legend's sample line included).
    /// </summary>
    private static string DashValidationLines(string svg) =>
        svg.Replace(ValidationSvgMarkAttribute, "stroke-width=\"2\" stroke-dasharray=\"8 4\"", StringComparison.Ordinal);

    private const float ValidationSvgMarkWidth = 2.5f;
    private const string ValidationSvgMarkAttribute = "stroke-width=\"2.5\"";

    [GeneratedRegex(@"(?<before>id=""|url\(#)cl_(?<id>[0-9a-f]+)(?<after>""|\))")]
    private static partial Regex ClipReference();

    private static PlotFormat FormatOf(string path)
    {
        var extension = Path.GetExtension(path);
        return PlotFormats.FromExtension(extension.TrimStart('.'))
               ?? throw new ArgumentException($"plots are written as .png or .svg, not '{extension}'", nameof(path));
    }
}
