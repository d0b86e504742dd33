using Orchestrator.Shared.Metrics;

namespace Orchestrator.Shared.Tests.Metrics;

public sealed class MetricCatalogTests
{
    [Fact]
    public void Every_key_names_one_metric()
    {
        var duplicates = MetricCatalog.All.GroupBy(m => m.Key).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.Empty(duplicates);
    }

    [Fact]
    public void Table_columns_are_catalogue_metrics_that_can_rank()
    {
        Assert.All(MetricCatalog.ResultColumns, m => Assert.Contains(m, MetricCatalog.All));
        Assert.All(MetricCatalog.ResultColumns, m => Assert.NotEqual(Better.Neither, m.Better));
    }

    [Fact]
    public void Only_table_columns_are_found_as_columns()
    {
        Assert.Same(MetricCatalog.TextToImageR1, MetricCatalog.FindColumn("t2i_r1"));
        var refused = Assert.Throws<ArgumentException>(() => MetricCatalog.FindColumn(MetricCatalog.HeadLearningRate.Key));
        Assert.Contains("t2i_r1", refused.Message, StringComparison.Ordinal);
    }
}
