namespace Orchestrator.Shared.Metrics;

/// <summary>Whether a larger value of a metric is better (recall) or worse (loss, latency, size).</summary>
public enum Better
{
    Higher,
    Lower,
}

/// <summary>One column of a comparison table: the key in a job's final result, a heading, and how to print it.</summary>
public sealed record ResultMetric(string Key, string Heading, Better Better, string Format);

/// <summary>
/// The final metrics a job reports (keys of its result JSON), in the order the comparison table shows them.
/// The training engine writes these keys; the aggregation reads them.
/// </summary>
public static class ResultMetrics
{
    public static readonly ResultMetric ParamsImage = new("params_image", "Params (image)", Better.Lower, "N0");
    public static readonly ResultMetric ParamsTotal = new("params_total", "Params (total)", Better.Lower, "N0");
    public static readonly ResultMetric TrainLoss = new("train_loss", "Train loss", Better.Lower, "F4");
    public static readonly ResultMetric BestTrainLoss = new("best_train_loss", "Best train loss", Better.Lower, "F4");
    public static readonly ResultMetric ValLoss = new("val_loss", "Val loss", Better.Lower, "F4");
    public static readonly ResultMetric BestValLoss = new("best_val_loss", "Best val loss", Better.Lower, "F4");
    public static readonly ResultMetric TrainTime = new("train_time_s", "Train time (s)", Better.Lower, "F1");
    public static readonly ResultMetric ValTime = new("val_time_s", "Val time (s)", Better.Lower, "F1");
    public static readonly ResultMetric TextToImageR1 = new("t2i_r1", "T→I R@1", Better.Higher, "F2");
    public static readonly ResultMetric TextToImageR5 = new("t2i_r5", "T→I R@5", Better.Higher, "F2");
    public static readonly ResultMetric TextToImageR10 = new("t2i_r10", "T→I R@10", Better.Higher, "F2");
    public static readonly ResultMetric ImageToTextR1 = new("i2t_r1", "I→T R@1", Better.Higher, "F2");
    public static readonly ResultMetric ImageToTextR5 = new("i2t_r5", "I→T R@5", Better.Higher, "F2");
    public static readonly ResultMetric ImageToTextR10 = new("i2t_r10", "I→T R@10", Better.Higher, "F2");
    public static readonly ResultMetric TextToImageMedianRank = new("t2i_median_rank", "T→I MedR", Better.Lower, "F1");
    public static readonly ResultMetric ImageToTextMedianRank = new("i2t_median_rank", "I→T MedR", Better.Lower, "F1");
    public static readonly ResultMetric LatencyMs = new("latency_ms_b1", "Latency b1 (ms)", Better.Lower, "F2");
    public static readonly ResultMetric ThroughputB64 = new("throughput_b64", "Throughput b64 (img/s)", Better.Higher, "F1");
    public static readonly ResultMetric TrainImagesPerSecond = new("train_images_per_s", "Train img/s", Better.Higher, "F1");
    public static readonly ResultMetric PeakMemoryMb = new("peak_memory_mb", "Peak mem (MB)", Better.Lower, "F0");

    /// <summary>Every column of the full table, in display order.</summary>
    public static readonly IReadOnlyList<ResultMetric> All =
    [
        ParamsImage, ParamsTotal, TrainLoss, BestTrainLoss, ValLoss, BestValLoss, TrainTime, ValTime,
        TextToImageR1, TextToImageR5, TextToImageR10, ImageToTextR1, ImageToTextR5, ImageToTextR10,
        TextToImageMedianRank, ImageToTextMedianRank, LatencyMs, ThroughputB64, TrainImagesPerSecond, PeakMemoryMb,
    ];

    public static ResultMetric Find(string key) =>
        All.FirstOrDefault(m => m.Key == key)
        ?? throw new ArgumentException($"unknown metric '{key}'; known: {string.Join(", ", All.Select(m => m.Key))}", nameof(key));
}
