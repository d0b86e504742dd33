using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Results.Rendering;

/// <summary>Which metric columns a rendered table shows. The study's two tables are presets.</summary>
public sealed record TableLayout(string Name, IReadOnlyList<ResultMetric> Metrics)
{
    public static readonly TableLayout Full = new("full", ResultMetrics.All);

    /// <summary>The study's Table II: losses and times.</summary>
    public static readonly TableLayout StudyLossAndTime = new("study-table2",
        [ResultMetrics.TrainLoss, ResultMetrics.ValLoss, ResultMetrics.TrainTime, ResultMetrics.ValTime]);

    /// <summary>The study's Table III: Recall@1/5/10, here in both directions.</summary>
    public static readonly TableLayout StudyRecall = new("study-table3",
    [
        ResultMetrics.TextToImageR1, ResultMetrics.TextToImageR5, ResultMetrics.TextToImageR10,
        ResultMetrics.ImageToTextR1, ResultMetrics.ImageToTextR5, ResultMetrics.ImageToTextR10,
    ]);

    /// <summary>The study's open question: retrieval against cost.</summary>
    public static readonly TableLayout Efficiency = new("efficiency",
    [
        ResultMetrics.TextToImageR1, ResultMetrics.ImageToTextR1, ResultMetrics.ParamsImage, ResultMetrics.ParamsTotal,
        ResultMetrics.LatencyMs, ResultMetrics.ThroughputB64, ResultMetrics.TrainImagesPerSecond, ResultMetrics.PeakMemoryMb,
    ]);

    /// <summary>What fits a terminal: retrieval, loss and cost at a glance.</summary>
    public static readonly TableLayout Summary = new("summary",
    [
        ResultMetrics.TextToImageR1, ResultMetrics.TextToImageR5, ResultMetrics.TextToImageR10, ResultMetrics.ImageToTextR1,
        ResultMetrics.ValLoss, ResultMetrics.ParamsImage, ResultMetrics.LatencyMs, ResultMetrics.TrainTime,
    ]);

    public static readonly IReadOnlyList<TableLayout> Presets = [Summary, Full, StudyLossAndTime, StudyRecall, Efficiency];

    public static TableLayout Named(string name) =>
        Presets.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"unknown table layout '{name}'; use one of: {string.Join(", ", Presets.Select(p => p.Name))}", nameof(name));
}
