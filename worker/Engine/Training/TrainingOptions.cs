using Orchestrator.Worker.Engine.Weights;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>How to run a job (not what it is): where to write, on which device, and whether to resume.</summary>
public sealed record TrainingOptions(string OutputDirectory)
{
    /// <summary>`cpu` or `cuda`; CUDA falls back to CPU with a notice when unavailable.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// Where `pretrained: true` finds published weights (torchvision's file names, DistilBERT's folder) and relative
    /// weight paths of a spec are taken from; null when none is configured. Published files missing from it are
    /// downloaded into it unless <see cref="WeightDownloads"/> is offline.
    /// </summary>
    public string? WeightsDirectory { get; init; }

    /// <summary>Where missing published weights are downloaded from; offline by default, so only a caller that opts in (orch-worker train) reaches the network.</summary>
    public WeightsSettings WeightDownloads { get; init; } = WeightsSettings.OfflineOnly;

    /// <summary>Continue from the last checkpoint in <see cref="OutputDirectory"/> when there is one.</summary>
    public bool Resume { get; init; }

    /// <summary>Stop after this many epochs in total, as if interrupted (tests, time-boxed runs); null runs them all.</summary>
    public int? StopAfterEpochs { get; init; }

    /// <summary>A progress record every this many steps.</summary>
    public int ProgressEvery { get; init; } = 10;

    /// <summary>Timed forward calls of the efficiency probe (after warm-up).</summary>
    public int EfficiencyRuns { get; init; } = 5;

    /// <summary>
    /// With frozen towers, compute their outputs once and train the heads on them (the default); false runs the towers
    /// on every batch as trainable towers do: slower by the towers' whole forward pass, kept as the reference the
    /// cache is tested against.
    /// </summary>
    public bool CacheFrozenFeatures { get; init; } = true;

    /// <summary>Where decoded images of file datasets are cached; null: <see cref="Orchestrator.Worker.Engine.Data.Images.DecodedImageCache.DefaultDirectory"/>.</summary>
    public string? ImageCacheDirectory { get; init; }

    /// <summary>
    /// Called with the epoch number once that epoch's checkpoint is saved and its record reported, so a caller
    /// can act at a known point of the run (a test holds the trainer there before signalling it).
    /// </summary>
    public Action<int> EpochDone { get; init; } = _ => { };

    /// <summary>Notices for a human (device fallback, resume); progress goes to the metrics sink.</summary>
    public Action<string> Log { get; init; } = _ => { };
}
