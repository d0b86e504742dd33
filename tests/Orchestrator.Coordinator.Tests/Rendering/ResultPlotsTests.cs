using System.Xml.Linq;
using Orchestrator.Coordinator.Results;
using Orchestrator.Testing;
using SkiaSharp;

namespace Orchestrator.Coordinator.Tests.Rendering;

public sealed class ResultPlotsTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("orch-plots-").FullName;

    [Fact]
    public void Loss_curves_png_has_the_requested_size_and_is_not_blank()
    {
        var path = Path.Combine(directory, "loss.png");
        var curves = new[]
        {
            new LossCurve("resnet50 seed 0", [1, 2, 3, 4], [2.8, 2.1, 1.7, 1.5], [2.9, 2.4, 2.2, 2.1]),
            new LossCurve("mobilenet_v2 seed 0", [1, 2, 3, 4], [2.8, 2.3, 2.0, 1.9], [2.9, 2.5, 2.4, 2.35]),
        };

        ResultPlots.SaveLossCurves(curves, "loss per epoch", path, new PlotSize(800, 500));

        AssertImage(path, 800, 500);
    }

    [Fact]
    public void Retrieval_versus_latency_writes_png_and_parseable_svg()
    {
        var png = Path.Combine(directory, "pareto.png");
        var svg = Path.Combine(directory, "pareto.svg");
        var table = SampleTables.FourEncoders();

        ResultPlots.SaveRetrievalVersusCost(table, "latency_ms_b1", png, new PlotSize(900, 600));
        ResultPlots.SaveRetrievalVersusCost(table, "latency_ms_b1", svg, new PlotSize(900, 600));

        AssertImage(png, 900, 600);
        var document = XDocument.Load(svg);
        Assert.Equal("svg", document.Root!.Name.LocalName);
        Assert.Contains("mobilenet_v2", document.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_extension_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ResultPlots.SaveRetrievalVersusCost(SampleTables.FourEncoders(), "latency_ms_b1", Path.Combine(directory, "x.gif"), new PlotSize(10, 10)));

        Assert.Contains(".png or .svg", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        // ORCH_KEEP_PLOTS=1 keeps the files to look at them.
        if (Environment.GetEnvironmentVariable(TestEnvironmentVariables.KeepPlots) != "1")
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void AssertImage(string path, int width, int height)
    {
        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal(width, bitmap.Width);
        Assert.Equal(height, bitmap.Height);
        var luminance = new List<double>();
        for (var y = 0; y < height; y += 3)
        {
            for (var x = 0; x < width; x += 3)
            {
                var p = bitmap.GetPixel(x, y);
                luminance.Add((0.299 * p.Red) + (0.587 * p.Green) + (0.114 * p.Blue));
            }
        }

        var mean = luminance.Average();
        var variance = luminance.Sum(l => (l - mean) * (l - mean)) / luminance.Count;
        Assert.True(variance > 100, $"pixel variance {variance:F1} says the image is blank");
    }
}
