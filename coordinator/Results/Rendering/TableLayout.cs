using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Results.Rendering;

/// <summary>Which metric columns a rendered table shows. The study's two tables are presets.</summary>
public sealed record TableLayout(string Name, IReadOnlyList<Metric> Metrics)
{
    public static readonly TableLayout Full = new("full", MetricCatalog.ResultColumns);

    /// <summary>The study's Table II: losses and times.</summary>
    public static readonly TableLayout StudyLossAndTime = new("study-table2",
        [MetricCatalog.TrainLoss, MetricCatalog.ValLoss, MetricCatalog.TrainTime, MetricCatalog.ValTime]);

    /// <summary>The study's Table III: Recall@1/5/10, here in both directions.</summary>
    public static readonly TableLayout StudyRecall = new("study-table3",
    [
        MetricCatalog.TextToImageR1, MetricCatalog.TextToImageR5, MetricCatalog.TextToImageR10,
        MetricCatalog.ImageToTextR1, MetricCatalog.ImageToTextR5, MetricCatalog.ImageToTextR10,
    ]);

    /// <summary>The study's open question: retrieval against cost.</summary>
    public static readonly TableLayout Efficiency = new("efficiency",
    [
        MetricCatalog.TextToImageR1, MetricCatalog.ImageToTextR1, MetricCatalog.ParamsImage, MetricCatalog.ParamsTotal,
        MetricCatalog.LatencyMs, MetricCatalog.ThroughputB64, MetricCatalog.TrainImagesPerSecond, MetricCatalog.PeakMemoryMb,
    ]);

    /// <summary>What fits a terminal: retrieval, loss and cost at a glance.</summary>
    public static readonly TableLayout Summary = new("summary",
    [
        MetricCatalog.TextToImageR1, MetricCatalog.TextToImageR5, MetricCatalog.TextToImageR10, MetricCatalog.ImageToTextR1,
        MetricCatalog.ValLoss, MetricCatalog.ParamsImage, MetricCatalog.LatencyMs, MetricCatalog.TrainTime,
    ]);

    public static readonly IReadOnlyList<TableLayout> Presets = [Summary, Full, StudyLossAndTime, StudyRecall, Efficiency];

    public static TableLayout Named(string name) =>
        Presets.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"unknown table layout '{name}'; use one of: {string.Join(", ", Presets.Select(p => p.Name))}", nameof(name));
}
