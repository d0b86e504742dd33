using Orchestrator.Shared.Metrics;
using ScottPlot;

namespace Orchestrator.Coordinator.Results;

/// <summary>The sweep's plots, written as PNG or SVG by file extension.</summary>
public static class ResultPlots
{
    /// <summary>Train (solid) and validation (dashed) loss per epoch, one colour per job.</summary>
    public static void SaveLossCurves(IReadOnlyList<LossCurve> curves, string title, string path, PlotSize? size = null)
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
                val.LinePattern = LinePattern.Dashed;
                val.LineWidth = 2;
            }
        }

        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, path, size ?? PlotSize.Default);
    }

    /// <summary>
    /// Retrieval (the table's ranking metric) against a cost metric, one labelled point per group, with the
    /// Pareto front drawn as a step line through the non-dominated groups.
    /// </summary>
    public static void SaveRetrievalVersusCost(ResultTable table, string costKey, string path, PlotSize? size = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var benefit = MetricCatalog.FindColumn(table.RankBy);
        var cost = MetricCatalog.FindColumn(costKey);
        var points = table.Rows
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
        Save(plot, path, size ?? PlotSize.Default);
    }

    private static void Save(Plot plot, string path, PlotSize size)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        switch (extension)
        {
            case ".png":
                plot.SavePng(path, size.Width, size.Height);
                break;
            case ".svg":
                plot.SaveSvg(path, size.Width, size.Height);
                break;
            default:
                throw new ArgumentException($"plots are written as .png or .svg, not '{extension}'", nameof(path));
        }
    }
}
