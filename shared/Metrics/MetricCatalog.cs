namespace Orchestrator.Shared.Metrics;

/// <summary>
/// Every metric any part reports, under one name per quantity: the trainer's step and epoch records
/// (metrics.jsonl, relayed to the coordinator as progress), its final metrics (the job's result), the agent's
/// additions to them, and what the coordinator's tables, plots and status commands read. A quantity measured
/// per step, per epoch and for the whole job keeps its key at every level. Each metric's range says what a
/// report may claim (recalls in [0, 1], times and sizes ≥ 0, ranks ≥ 1, counts whole); losses need only be finite.
/// </summary>
public static class MetricCatalog
{
    private const string Seconds = "s";
    private const string Fraction = "fraction";
    private const string Rank = "rank";
    private const string Parameters = "parameters";
    private const string Images = "images";
    private const string ImagesPerSecond = "images/s";
    private const string Count = "count";
    private const string None = "";

    // Losses: the mean over an epoch's batches so far (step records), over the epoch, and the last epoch's (result).
    public static readonly Metric TrainLoss = new("train_loss", "Train loss", None, Better.Lower, "F4");
    public static readonly Metric BestTrainLoss = new("best_train_loss", "Best train loss", None, Better.Lower, "F4");
    public static readonly Metric ValLoss = new("val_loss", "Val loss", None, Better.Lower, "F4");
    public static readonly Metric BestValLoss = new("best_val_loss", "Best val loss", None, Better.Lower, "F4");

    // Times: one epoch's (epoch records) or all epochs' (result).
    public static readonly Metric TrainTime = new("train_time_s", "Train time (s)", Seconds, Better.Lower, "F1") { Range = MetricRange.NonNegative };
    public static readonly Metric ValTime = new("val_time_s", "Val time (s)", Seconds, Better.Lower, "F1") { Range = MetricRange.NonNegative };

    public static readonly Metric TextToImageR1 = new("t2i_r1", "T→I R@1", Fraction, Better.Higher, "F2") { Range = MetricRange.Fraction };
    public static readonly Metric TextToImageR5 = new("t2i_r5", "T→I R@5", Fraction, Better.Higher, "F2") { Range = MetricRange.Fraction };
    public static readonly Metric TextToImageR10 = new("t2i_r10", "T→I R@10", Fraction, Better.Higher, "F2") { Range = MetricRange.Fraction };
    public static readonly Metric ImageToTextR1 = new("i2t_r1", "I→T R@1", Fraction, Better.Higher, "F2") { Range = MetricRange.Fraction };
    public static readonly Metric ImageToTextR5 = new("i2t_r5", "I→T R@5", Fraction, Better.Higher, "F2") { Range = MetricRange.Fraction };
    public static readonly Metric ImageToTextR10 = new("i2t_r10", "I→T R@10", Fraction, Better.Higher, "F2") { Range = MetricRange.Fraction };
    public static readonly Metric TextToImageMedianRank = new("t2i_median_rank", "T→I MedR", Rank, Better.Lower, "F1") { Range = MetricRange.Rank };
    public static readonly Metric ImageToTextMedianRank = new("i2t_median_rank", "I→T MedR", Rank, Better.Lower, "F1") { Range = MetricRange.Rank };
    public static readonly Metric TextToImageMeanRank = new("t2i_mean_rank", "T→I MeanR", Rank, Better.Lower, "F1") { Range = MetricRange.Rank };
    public static readonly Metric ImageToTextMeanRank = new("i2t_mean_rank", "I→T MeanR", Rank, Better.Lower, "F1") { Range = MetricRange.Rank };

    public static readonly Metric ParamsImage = new("params_image", "Params (image)", Parameters, Better.Lower, "N0") { Range = MetricRange.NonNegativeWhole };
    public static readonly Metric ParamsText = new("params_text", "Params (text)", Parameters, Better.Lower, "N0") { Range = MetricRange.NonNegativeWhole };
    public static readonly Metric ParamsTotal = new("params_total", "Params (total)", Parameters, Better.Lower, "N0") { Range = MetricRange.NonNegativeWhole };
    public static readonly Metric LatencyMs = new("latency_ms_b1", "Latency b1 (ms)", "ms", Better.Lower, "F2") { Range = MetricRange.NonNegative };
    public static readonly Metric ThroughputB64 = new("throughput_b64", "Throughput b64 (img/s)", ImagesPerSecond, Better.Higher, "F1") { Range = MetricRange.NonNegative };

    // Training throughput: over the last steps (step records), an epoch (epoch records) or the whole run (result).
    public static readonly Metric TrainImagesPerSecond = new("train_images_per_s", "Train img/s", ImagesPerSecond, Better.Higher, "F1") { Range = MetricRange.NonNegative };
    public static readonly Metric PeakMemoryMb = new("peak_memory_mb", "Peak mem (MB)", "MB", Better.Lower, "F0") { Range = MetricRange.NonNegative };

    public static readonly Metric StepsInEpoch = new("steps_in_epoch", "Steps/epoch", Count, Better.Neither, "N0") { Range = MetricRange.NonNegativeWhole };
    public static readonly Metric HeadLearningRate = new("lr_head", "Head LR", None, Better.Neither, "G3") { Range = MetricRange.NonNegative };
    public static readonly Metric EpochsCompleted = new("epochs_completed", "Epochs", Count, Better.Neither, "N0") { Range = MetricRange.NonNegativeWhole };
    public static readonly Metric BestEpoch = new("best_epoch", "Best epoch", Count, Better.Neither, "N0") { Range = MetricRange.NonNegativeWhole };
    public static readonly Metric SkippedImages = new("skipped_images", "Skipped images", Images, Better.Lower, "N0") { Range = MetricRange.NonNegativeWhole };

    // Added by the agent to the trainer's result: 1 when the attempt continued from a checkpoint, and which attempt it was.
    public static readonly Metric Resumed = new("resumed", "Resumed", None, Better.Neither, "N0") { Range = new(0, 1, WholeNumbers: true) };
    public static readonly Metric Attempt = new("attempt", "Attempt", Count, Better.Neither, "N0") { Range = MetricRange.NonNegativeWhole };

    /// <summary>The columns of the full comparison table, in display order; ranking and Pareto axes are among them.</summary>
    public static readonly IReadOnlyList<Metric> ResultColumns =
    [
        ParamsImage, ParamsTotal, TrainLoss, BestTrainLoss, ValLoss, BestValLoss, TrainTime, ValTime,
        TextToImageR1, TextToImageR5, TextToImageR10, ImageToTextR1, ImageToTextR5, ImageToTextR10,
        TextToImageMedianRank, ImageToTextMedianRank, LatencyMs, ThroughputB64, TrainImagesPerSecond, PeakMemoryMb,
    ];

    /// <summary>Every metric of the catalogue.</summary>
    public static readonly IReadOnlyList<Metric> All =
    [
        .. ResultColumns,
        TextToImageMeanRank, ImageToTextMeanRank, ParamsText, StepsInEpoch, HeadLearningRate,
        EpochsCompleted, BestEpoch, SkippedImages, Resumed, Attempt,
    ];

    private static readonly Dictionary<string, Metric> ByKey = All.ToDictionary(m => m.Key, StringComparer.Ordinal);

    public static bool Contains(string key) => ByKey.ContainsKey(key);

    /// <summary>The catalogue's metric of that key; null for a key outside the catalogue (a trainer's own extra).</summary>
    public static Metric? Find(string key) => ByKey.GetValueOrDefault(key);

    /// <summary>The table column <paramref name="key"/> names; refused, with the known columns, when it is none.</summary>
    public static Metric FindColumn(string key) =>
        ResultColumns.FirstOrDefault(m => m.Key == key)
        ?? throw new ArgumentException($"unknown metric '{key}'; known: {string.Join(", ", ResultColumns.Select(m => m.Key))}", nameof(key));
}
