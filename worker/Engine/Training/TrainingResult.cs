using Orchestrator.Worker.Engine.Evaluation;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>One finished epoch.</summary>
public sealed record EpochSummary(
    int Epoch,
    double TrainLoss,
    double ValLoss,
    double TrainSeconds,
    double ValSeconds,
    double TrainImagesPerSecond,
    IReadOnlyList<double> LearningRates,
    RetrievalMetrics Retrieval);

/// <summary>How big and how fast the model is (DESIGN.md §6 efficiency figures).</summary>
public sealed record EfficiencyFigures(
    long ImageTowerParameters,
    long TextTowerParameters,
    long HeadParameters,
    long TotalParameters,
    double ImageTowerLatencyMsBatch1,
    double ImageTowerImagesPerSecondBatch64,
    double TrainImagesPerSecond,
    long PeakMemoryBytes,
    string PeakMemoryKind);

/// <summary>A job's final result, written as result.json and reported to the coordinator.</summary>
public sealed record TrainingResult(
    string JobKey,
    string Encoder,
    string TextEncoder,
    string Loss,
    string Device,
    bool Completed,
    int EpochsCompleted,
    double TrainLoss,
    double ValLoss,
    double BestValLoss,
    int BestEpoch,
    double TrainSeconds,
    double ValSeconds,
    IReadOnlyList<double> EpochSeconds,
    RetrievalMetrics? Retrieval,
    EfficiencyFigures? Efficiency,
    IReadOnlyList<EpochSummary> Epochs,
    int SkippedImages = 0,
    IReadOnlyDictionary<string, string>? OnnxModelSha256 = null);
