using Orchestrator.Coordinator.Results;
using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Tests.Rendering;

public sealed class ParetoFrontTests
{
    [Fact]
    public void Marks_exactly_the_groups_no_other_group_beats_on_both_axes()
    {
        var table = SampleTables.FourEncoders();
        var marked = table.Rows.ToDictionary(r => r.Group["encoder"], r => r.ParetoOn);

        // latency: resnet50 (best R@1), efficientnet (35 at 15 ms), mobilenet (fastest); googlenet is beaten by mobilenet.
        Assert.Contains("latency_ms_b1", marked["resnet50"]);
        Assert.Contains("latency_ms_b1", marked["efficientnet_b0"]);
        Assert.Contains("latency_ms_b1", marked["mobilenet_v2"]);
        Assert.DoesNotContain("latency_ms_b1", marked["googlenet"]);
        // params: googlenet (6.6 M) is beaten by efficientnet (5.3 M, higher R@1) and mobilenet.
        Assert.Equal(["latency_ms_b1", "params_total"], marked["mobilenet_v2"]);
        Assert.Empty(marked["googlenet"]);
    }

    [Fact]
    public void A_group_equal_on_both_axes_does_not_dominate_its_twin()
    {
        var rows = new[] { SampleTables.Row("a", 10, 5, 1), SampleTables.Row("b", 10, 5, 1), SampleTables.Row("c", 9, 6, 1) };

        var front = ParetoFront.Optimal(rows, MetricCatalog.TextToImageR1, MetricCatalog.LatencyMs);

        Assert.Equal(["a", "b"], front.Select(r => r.Group["encoder"]));
    }

    [Fact]
    public void Brute_force_agrees_on_random_points()
    {
        var random = new Random(3);
        for (var trial = 0; trial < 50; trial++)
        {
            var rows = Enumerable.Range(0, 12)
                .Select(i => SampleTables.Row($"e{i}", Math.Round(random.NextDouble() * 10), Math.Round(random.NextDouble() * 10), 1))
                .ToList();

            var front = ParetoFront.Optimal(rows, MetricCatalog.TextToImageR1, MetricCatalog.LatencyMs).ToHashSet();

            foreach (var row in rows)
            {
                var r1 = row.Mean("t2i_r1")!.Value;
                var latency = row.Mean("latency_ms_b1")!.Value;
                var dominated = rows.Any(o =>
                    o.Mean("t2i_r1") >= r1 && o.Mean("latency_ms_b1") <= latency &&
                    (o.Mean("t2i_r1") > r1 || o.Mean("latency_ms_b1") < latency));
                Assert.Equal(!dominated, front.Contains(row));
            }
        }
    }
}
