using Orchestrator.Shared.Metrics;

namespace Orchestrator.Shared.Tests.Metrics;

/// <summary>The ranges the coordinator enforces on reported metrics: tight where the quantity is, open where it is not.</summary>
public sealed class MetricRangeTests
{
    [Theory]
    [InlineData("t2i_r1", 0.0, true)]
    [InlineData("t2i_r1", 1.0, true)]
    [InlineData("t2i_r1", -0.5, false)]
    [InlineData("i2t_r10", 1.5, false)]
    [InlineData("train_time_s", -0.1, false)]
    [InlineData("latency_ms_b1", 0.0, true)]
    [InlineData("params_total", 25_557_032.0, true)]
    [InlineData("params_total", 1.5, false)]
    [InlineData("t2i_median_rank", 1.0, true)]
    [InlineData("t2i_median_rank", 0.0, false)]
    [InlineData("train_loss", -3.0, true)]
    [InlineData("val_loss", double.NaN, false)]
    [InlineData("resumed", 1.0, true)]
    [InlineData("resumed", 2.0, false)]
    public void A_catalogue_metric_takes_the_values_its_quantity_can(string key, double value, bool allowed)
    {
        var metric = MetricCatalog.Find(key);

        Assert.NotNull(metric);
        Assert.Equal(allowed, metric.Range.Contains(value));
    }

    [Fact]
    public void A_key_outside_the_catalogue_is_not_found()
    {
        Assert.Null(MetricCatalog.Find("recall_at_1"));
    }

    [Fact]
    public void A_range_describes_itself_for_refusals()
    {
        Assert.Equal("a finite number in [0, 1]", MetricRange.Fraction.ToString());
        Assert.Equal("a whole number ≥ 0", MetricRange.NonNegativeWhole.ToString());
        Assert.Equal("a finite number", MetricRange.AnyFinite.ToString());
    }
}
