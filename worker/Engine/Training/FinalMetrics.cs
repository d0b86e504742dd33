using Orchestrator.Shared.Metrics;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>
/// A job's result as the flat metric map the coordinator stores and aggregates, under the keys of
/// <see cref="MetricCatalog"/> (also the counts and ranks the tables do not show). Values that are not finite are left out.
/// </summary>
public static class FinalMetrics
{
    public static Dictionary<string, double> From(TrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [MetricCatalog.TrainLoss.Key] = result.TrainLoss,
            [MetricCatalog.ValLoss.Key] = result.ValLoss,
            [MetricCatalog.BestValLoss.Key] = result.BestValLoss,
            [MetricCatalog.TrainTime.Key] = result.TrainSeconds,
            [MetricCatalog.ValTime.Key] = result.ValSeconds,
            [MetricCatalog.EpochsCompleted.Key] = result.EpochsCompleted,
            [MetricCatalog.BestEpoch.Key] = result.BestEpoch,
            [MetricCatalog.SkippedImages.Key] = result.SkippedImages,
        };
        if (result.Epochs.Count > 0)
        {
            metrics[MetricCatalog.BestTrainLoss.Key] = result.Epochs.Min(e => e.TrainLoss);
        }

        if (result.Retrieval is { } retrieval)
        {
            metrics[MetricCatalog.TextToImageR1.Key] = retrieval.TextToImage.R1;
            metrics[MetricCatalog.TextToImageR5.Key] = retrieval.TextToImage.R5;
            metrics[MetricCatalog.TextToImageR10.Key] = retrieval.TextToImage.R10;
            metrics[MetricCatalog.ImageToTextR1.Key] = retrieval.ImageToText.R1;
            metrics[MetricCatalog.ImageToTextR5.Key] = retrieval.ImageToText.R5;
            metrics[MetricCatalog.ImageToTextR10.Key] = retrieval.ImageToText.R10;
            metrics[MetricCatalog.TextToImageMedianRank.Key] = retrieval.TextToImage.MedianRank;
            metrics[MetricCatalog.ImageToTextMedianRank.Key] = retrieval.ImageToText.MedianRank;
            metrics[MetricCatalog.TextToImageMeanRank.Key] = retrieval.TextToImage.MeanRank;
            metrics[MetricCatalog.ImageToTextMeanRank.Key] = retrieval.ImageToText.MeanRank;
        }

        if (result.Efficiency is { } efficiency)
        {
            metrics[MetricCatalog.ParamsImage.Key] = efficiency.ImageTowerParameters;
            metrics[MetricCatalog.ParamsText.Key] = efficiency.TextTowerParameters;
            metrics[MetricCatalog.ParamsTotal.Key] = efficiency.TotalParameters;
            metrics[MetricCatalog.LatencyMs.Key] = efficiency.ImageTowerLatencyMsBatch1;
            metrics[MetricCatalog.ThroughputB64.Key] = efficiency.ImageTowerImagesPerSecondBatch64;
            metrics[MetricCatalog.TrainImagesPerSecond.Key] = efficiency.TrainImagesPerSecond;
            metrics[MetricCatalog.PeakMemoryMb.Key] = efficiency.PeakMemoryBytes / (1024.0 * 1024.0);
        }

        foreach (var key in metrics.Where(m => !double.IsFinite(m.Value)).Select(m => m.Key).ToList())
        {
            metrics.Remove(key);
        }

        return metrics;
    }
}
