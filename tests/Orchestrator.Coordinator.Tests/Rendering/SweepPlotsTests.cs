using Orchestrator.Coordinator.Results;

namespace Orchestrator.Coordinator.Tests.Rendering;

/// <summary>Which curves a sweep's loss figures draw when the sweep is larger than a legend can hold.</summary>
public sealed partial class SweepPlotsTests
{
    [Fact]
    public void A_large_sweep_draws_ten_curves_taking_each_encoder_in_turn_and_its_titles_say_how_many()
    {
        // 12 resnet18 jobs, then 3 resnet50, then 1 vit_b_16, in job order.
        var curves = Enumerable.Range(1, 12).Select(i => Curve("resnet18", i))
            .Concat(Enumerable.Range(13, 3).Select(i => Curve("resnet50", i)))
            .Append(Curve("vit_b_16", 16))
            .ToList();

        var plots = SweepPlots.LossPlots(curves).ToDictionary(p => p.Name);

        Assert.Equal(["loss", "loss-resnet18", "loss-resnet50", "loss-vit_b_16"], plots.Keys);
        Assert.Contains("(10 of 16 jobs: the first of each encoder in turn)", plots["loss"].Title, StringComparison.Ordinal);
        Assert.Contains("(10 of 12 jobs: the first by job id)", plots["loss-resnet18"].Title, StringComparison.Ordinal);
        Assert.Equal("resnet50: train (solid) and validation (dashed) loss", plots["loss-resnet50"].Title);
        // Round robin: resnet18 1..6, resnet50 13..15, vit 16 → ten curves.
        var svg = System.Text.Encoding.UTF8.GetString(plots["loss"].Render(PlotFormat.Svg));
        Assert.Contains("(job 6)", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("(job 7)", svg, StringComparison.Ordinal);
        Assert.Contains("(job 15)", svg, StringComparison.Ordinal);
        Assert.Contains("(job 16)", svg, StringComparison.Ordinal);
        Assert.Contains("10 of the 16 jobs", SweepPlots.LossCaption(16), StringComparison.Ordinal);
    }

    [Fact]
    public void The_svg_draws_validation_curves_dashed_as_the_title_says()
    {
        var plot = SweepPlots.LossPlots([Curve("resnet18", 1)])[0];

        var svg = System.Text.Encoding.UTF8.GetString(plot.Render(PlotFormat.Svg));

        // The train line and its legend sample solid, the validation line and its legend sample dashed, in its colour.
        var lines = StrokedPath().Matches(svg).Select(m => (m.Groups["colour"].Value, Dashed: m.Value.Contains("stroke-dasharray", StringComparison.Ordinal))).ToList();
        Assert.Equal(2, lines.Count(l => l == ("#1F77B4", false)));
        Assert.Equal(2, lines.Count(l => l == ("#1F77B4", true)));
        Assert.DoesNotContain("stroke-width=\"2.5\"", svg, StringComparison.Ordinal);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"<path fill=""none"" stroke=""(?<colour>#[0-9A-F]{6})"" stroke-width=""2""[^>]*>")]
    private static partial System.Text.RegularExpressions.Regex StrokedPath();

    private static LossCurve Curve(string encoder, int job) => new($"{encoder} seed 0 (job {job})", [1, 2], [2.0, 1.5], [2.1, 1.8]);
}
