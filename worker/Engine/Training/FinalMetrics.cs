using Orchestrator.Shared.Metrics;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>
/// A job's result as the flat metric map the coordinator stores and aggregates, under the keys of
/// <see cref="ResultMetrics"/> (plus a few counts the tables do not show). Values that are not finite are left out.
/// </summary>
public static class FinalMetrics
{
    public static Dictionary<string, double> From(TrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [ResultMetrics.TrainLoss.Key] = result.TrainLoss,
            [ResultMetrics.ValLoss.Key] = result.ValLoss,
            [ResultMetrics.BestValLoss.Key] = result.BestValLoss,
            [ResultMetrics.TrainTime.Key] = result.TrainSeconds,
            [ResultMetrics.ValTime.Key] = result.ValSeconds,
            ["epochs_completed"] = result.EpochsCompleted,
            ["best_epoch"] = result.BestEpoch,
            ["skipped_images"] = result.SkippedImages,
        };
        if (result.Epochs.Count > 0)
        {
            metrics[ResultMetrics.BestTrainLoss.Key] = result.Epochs.Min(e => e.TrainLoss);
        }

        if (result.Retrieval is { } retrieval)
        {
            metrics[ResultMetrics.TextToImageR1.Key] = retrieval.TextToImage.R1;
            metrics[ResultMetrics.TextToImageR5.Key] = retrieval.TextToImage.R5;
            metrics[ResultMetrics.TextToImageR10.Key] = retrieval.TextToImage.R10;
            metrics[ResultMetrics.ImageToTextR1.Key] = retrieval.ImageToText.R1;
            metrics[ResultMetrics.ImageToTextR5.Key] = retrieval.ImageToText.R5;
            metrics[ResultMetrics.ImageToTextR10.Key] = retrieval.ImageToText.R10;
            metrics[ResultMetrics.TextToImageMedianRank.Key] = retrieval.TextToImage.MedianRank;
            metrics[ResultMetrics.ImageToTextMedianRank.Key] = retrieval.ImageToText.MedianRank;
            metrics["t2i_mean_rank"] = retrieval.TextToImage.MeanRank;
            metrics["i2t_mean_rank"] = retrieval.ImageToText.MeanRank;
        }

        if (result.Efficiency is { } efficiency)
        {
            metrics[ResultMetrics.ParamsImage.Key] = efficiency.ImageTowerParameters;
            metrics["params_text"] = efficiency.TextTowerParameters;
            metrics[ResultMetrics.ParamsTotal.Key] = efficiency.TotalParameters;
            metrics[ResultMetrics.LatencyMs.Key] = efficiency.ImageTowerLatencyMsBatch1;
            metrics[ResultMetrics.ThroughputB64.Key] = efficiency.ImageTowerImagesPerSecondBatch64;
            metrics[ResultMetrics.TrainImagesPerSecond.Key] = efficiency.TrainImagesPerSecond;
            metrics[ResultMetrics.PeakMemoryMb.Key] = efficiency.PeakMemoryBytes / (1024.0 * 1024.0);
        }

        foreach (var key in metrics.Where(m => !double.IsFinite(m.Value)).Select(m => m.Key).ToList())
        {
            metrics.Remove(key);
        }

        return metrics;
    }
}
