using System.Diagnostics;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Evaluation;
using Orchestrator.Worker.Engine.Losses;
using Orchestrator.Worker.Engine.Clip;
using Orchestrator.Worker.Engine.Towers;
using Orchestrator.Worker.Engine.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>
/// Trains one job end to end as the study's script does: AdamW with three parameter groups, ReduceLROnPlateau
/// on validation loss once per epoch, a checkpoint every epoch, retrieval on the held-out images, and the
/// efficiency figures at the end.
/// </summary>
public sealed class ClipTrainer(JobDefinition job, TrainingOptions options, IMetricsSink sink)
{
    private readonly JobParameters parameters = job.Parameters;

    public TrainingResult Run(CancellationToken cancellationToken = default)
    {
        JobValidator.ThrowIfInvalid(job);
        var checkpoints = new CheckpointStore(Path.Combine(options.OutputDirectory, TrainerLayout.CheckpointFolder));
        var resuming = options.Resume && checkpoints.HasLast;
        // Weight files are looked up (and fetched when missing) before the data is read: a missing one fails the job in
        // a second, not after decoding. A checkpoint holds every weight, so a resumed run does not need them.
        var downloads = string.IsNullOrWhiteSpace(options.WeightsDirectory) ? null : new WeightsCache(options.WeightsDirectory, options.WeightDownloads, options.Log);
        var sources = resuming
            ? TowerSources.ResolveForCheckpoint(parameters, options.WeightsDirectory, downloads)
            : TowerSources.Resolve(parameters, options.WeightsDirectory, downloads);
        foreach (var onnx in new[] { sources.OnnxImage, sources.OnnxText }.OfType<OnnxTowerFiles>())
        {
            // The checksum of the file used, which the job's definition may not have named.
            options.Log($"{onnx.Name}: ONNX model {onnx.Graph.Origin} (sha256 {onnx.Sha256})");
        }

        TorchRuntime.Prepare(options.Log, parameters.Encoder);
        Directory.CreateDirectory(options.OutputDirectory);
        var device = ChooseDevice();

        var data = JobData.Load(job, TextTowerRegistry.TokenizerOf(parameters, sources), options.ImageCacheDirectory);
        random.manual_seed(parameters.Seed);
        using var model = BuildModel(parameters, data.Tokenizer, sources);
        model.to(device);
        var groups = ParameterGroups(model, parameters);
        using var optimizer = new FlatAdamW(groups);
        var scheduler = new ReduceLrOnPlateau(parameters.Patience, parameters.Factor);

        var history = new List<EpochSummary>();
        var bestValLoss = double.PositiveInfinity;
        var bestEpoch = 0;
        if (resuming)
        {
            var state = checkpoints.LoadLast(model, optimizer);
            if (state.JobKey != job.JobKey)
            {
                throw new InvalidJobException([new JobProblem("resume", $"the checkpoint in {options.OutputDirectory} belongs to job {state.JobKey}, not {job.JobKey}")]);
            }

            scheduler.Restore(state.SchedulerBest, state.SchedulerBadEpochs);
            foreach (var (group, lr) in optimizer.ParamGroups.Zip(state.LearningRates))
            {
                group.LearningRate = lr;
            }

            history.AddRange(state.History);
            (bestValLoss, bestEpoch) = (state.BestValLoss, state.BestEpoch);
            options.Log($"resuming after epoch {state.Epoch} from {checkpoints.LastDirectory}");
        }

        var lastEpoch = Math.Min(parameters.Epochs, options.StopAfterEpochs ?? parameters.Epochs);
        using var frozen = parameters.Trainable || !options.CacheFrozenFeatures || history.Count >= lastEpoch ? null : FrozenTowerFeatures.Compute(model, data, device, options.Log);
        var extractionSeconds = frozen?.Elapsed.TotalSeconds ?? 0;
        var threads = frozen is null && history.Count < lastEpoch ? ChooseStepThreads(model, optimizer, data, history.Count + 1, device) : null;
        for (var epoch = history.Count + 1; epoch <= lastEpoch; epoch++)
        {
            // The features are part of the training work: their time counts in the first epoch that used them.
            var summary = RunEpoch(epoch, model, optimizer, data, frozen, threads, extractionSeconds, device, cancellationToken);
            extractionSeconds = 0;

            scheduler.Step(summary.ValLoss, optimizer);
            history.Add(summary);
            var isBest = summary.ValLoss < bestValLoss;
            if (isBest)
            {
                (bestValLoss, bestEpoch) = (summary.ValLoss, epoch);
            }

            // Reported before it is checkpointed: a checkpoint never holds an epoch whose report failed (a trainer
            // whose agent died fails writing to it), which the resumed run would skip and nobody would report.
            // A report whose checkpoint never came is trained again, and its new report replaces the old.
            sink.Report(new MetricRecord(MetricRecord.EpochKind, epoch, epoch * StepsPerEpoch(data), EpochValues(summary)));
            checkpoints.SaveLast(model, optimizer, new CheckpointState(
                job.JobKey, epoch, scheduler.Best, scheduler.BadEpochs, [.. optimizer.ParamGroups.Select(g => g.LearningRate)], bestValLoss, bestEpoch, [.. history]), isBest);
            options.EpochDone(epoch);
        }

        var completed = history.Count == parameters.Epochs;
        var efficiency = completed ? MeasureEfficiency(model, history, device) : null;
        var last = history.LastOrDefault();
        return new TrainingResult(
            job.JobKey, parameters.Encoder, parameters.TextEncoder, parameters.Loss, device.ToString(), completed, history.Count,
            last?.TrainLoss ?? double.NaN, last?.ValLoss ?? double.NaN, bestValLoss, bestEpoch,
            history.Sum(h => h.TrainSeconds), history.Sum(h => h.ValSeconds), [.. history.Select(h => h.TrainSeconds + h.ValSeconds)],
            last?.Retrieval, efficiency, history, data.SkippedImages, OnnxChecksums(sources));
    }

    /// <summary>
    /// The SHA-256 of each ONNX tower's model file, by tower name, so a result says which file trained even when the
    /// job's definition named none; null without ONNX towers.
    /// </summary>
    private static Dictionary<string, string>? OnnxChecksums(TowerSources sources)
    {
        var files = new[] { sources.OnnxImage, sources.OnnxText }.OfType<OnnxTowerFiles>().ToList();
        return files.Count == 0 ? null : files.ToDictionary(f => f.Name, f => f.Sha256, StringComparer.Ordinal);
    }

    private Device ChooseDevice()
    {
        if (options.Device == "cuda")
        {
            if (cuda.is_available())
            {
                TorchRuntime.AllowTf32();
                return CUDA;
            }

            throw new DeviceUnavailableException(
                "CUDA was requested but is not available: no GPU is visible to this process (check nvidia-smi and CUDA_VISIBLE_DEVICES), " +
                "or this build links LibTorch's CPU backend (build with -p:TorchBackend=cuda)");
        }
        else if (options.Device != "cpu")
        {
            throw new InvalidJobException([new JobProblem("device", $"unknown device '{options.Device}'; known: cpu, cuda")]);
        }

        return CPU;
    }

    /// <summary>
    /// The job's model: towers from the weights in <paramref name="sources"/> (null: both from scratch), everything
    /// else drawn from torch's global generator (seeded by the caller).
    /// </summary>
    /// <exception cref="InvalidJobException">A weight file does not fit its tower; the message lists the keys at fault.</exception>
    public static ClipModel BuildModel(JobParameters parameters, Text.ICaptionTokenizer tokenizer, TowerSources? sources = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        sources ??= TowerSources.Scratch;
        var imageTower = parameters.OnnxImageTower is null
            ? WeightsFor("pretrained." + PretrainedWeights.ImageTower, () => CreateImageTower(parameters.Encoder, sources))
            : new OnnxImageTower(sources.OnnxImage ?? throw MissingOnnxFiles(parameters.Encoder), parameters.ImageSize);
        TextTower textTower;
        try
        {
            textTower = parameters.OnnxTextTower is null
                ? WeightsFor("pretrained." + PretrainedWeights.TextTower, () => TextTowerRegistry.Create(parameters, tokenizer, sources.DistilBert))
                : new OnnxTextTower(sources.OnnxText ?? throw MissingOnnxFiles(parameters.TextEncoder));
        }
        catch
        {
            imageTower.Dispose();
            throw;
        }

        var model = new ClipModel(
            imageTower,
            textTower,
            ContrastiveLoss.Create(parameters.Loss, parameters.Temperature),
            parameters.ProjectionLayers,
            parameters.ProjectionDim,
            parameters.Dropout);
        if (!parameters.Trainable)
        {
            foreach (var p in model.ImageTower.parameters().Concat(model.TextTower.parameters()))
            {
                p.requires_grad = false;
            }
        }

        return model;
    }

    private static ImageTower CreateImageTower(string encoder, TowerSources sources)
    {
        var entry = ImageTowerRegistry.Get(encoder);
        return sources switch
        {
            { ImageWeights: { } path } => entry.CreateFromWeights(path),
            { ImageWeightsFromCheckpoint: true } => entry.CreateForCheckpoint(),
            _ => entry.Create(),
        };
    }

    private static InvalidOperationException MissingOnnxFiles(string tower) =>
        new($"{tower} is an ONNX tower: resolve its files with TowerSources.Resolve and pass them to BuildModel");

    /// <summary>A weight file that cannot go into its tower fails the job as invalid (permanently), naming the field.</summary>
    private static T WeightsFor<T>(string field, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (Exception e) when (e is Networks.Weights.WeightLoadException or IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new InvalidJobException([new JobProblem(field, e.Message)]);
        }
    }

    /// <summary>
    /// The study's groups: towers without weight decay at their own rates, heads at head_lr with decay. InfoNCE's
    /// logit scale (absent from the study) gets a group of its own at head_lr without decay, as in open_clip;
    /// the heads' group stays last so its rate is the one reported as lr_head. The overhead benchmark steps these same groups.
    /// </summary>
    internal static List<ParameterGroup> ParameterGroups(ClipModel model, JobParameters parameters)
    {
        var groups = new List<ParameterGroup>();
        if (parameters.Trainable)
        {
            groups.Add(new ParameterGroup("image_tower", [.. model.ImageTower.parameters()], parameters.ImageEncoderLr, 0));
            groups.Add(new ParameterGroup("text_tower", [.. model.TextTower.parameters()], parameters.TextEncoderLr, 0));
        }

        var lossParameters = model.Loss.parameters().ToList();
        if (lossParameters.Count > 0)
        {
            groups.Add(new ParameterGroup("loss", lossParameters, parameters.HeadLr, 0));
        }

        groups.Add(new ParameterGroup("heads", [.. model.HeadParameters], parameters.HeadLr, parameters.WeightDecay));
        return groups;
    }

    /// <summary>The thread split of this model's steps, timed on the first batch the run will train on (<see cref="StepThreadCalibration"/>).</summary>
    private StepThreads ChooseStepThreads(ClipModel model, FlatAdamW optimizer, JobData data, int firstEpoch, Device device)
    {
        var first = EpochBatches.Of(data.TrainSamples, parameters.Seed, firstEpoch, parameters.BatchSize).FirstOrDefault();
        if (first is null)
        {
            return StepThreads.All(get_num_threads());
        }

        using var sample = data.Assembler.Assemble(first);
        // The whole job's steps, not what remains after a resume: an interrupted run must choose as the uninterrupted one did.
        var plannedSteps = StepsPerEpoch(data) * parameters.Epochs;
        return StepThreadCalibration.Choose(parameters, model, optimizer, sample, device, get_num_threads(), options.Log, plannedSteps: plannedSteps);
    }

    private long StepsPerEpoch(JobData data) => data.TrainSamples.Count / parameters.BatchSize;

    // earlierSeconds: training work done for this epoch before it started (the frozen towers' features).
    private EpochSummary RunEpoch(
        int epoch, ClipModel model, FlatAdamW optimizer, JobData data, FrozenTowerFeatures? frozen, StepThreads? threads, double earlierSeconds, Device device, CancellationToken cancellationToken)
    {
        model.train();
        if (!parameters.Trainable)
        {
            // Frozen towers also keep their BatchNorm statistics and skip dropout, as a feature extractor would.
            model.ImageTower.eval();
            model.TextTower.eval();
        }

        var batches = EpochBatches.Of(data.TrainSamples, parameters.Seed, epoch, parameters.BatchSize);
        var started = Stopwatch.GetTimestamp();
        var windowStarted = started;
        long images = 0, windowImages = 0, step = 0;
        var lossSum = 0.0;
        foreach (var (value, pairs) in TrainingSteps(model, optimizer, data, frozen, threads, batches, device, cancellationToken))
        {
            step++;
            if (!float.IsFinite(value))
            {
                throw new TrainingDivergedException(epoch, step, value);
            }

            lossSum += value;
            images += pairs;
            windowImages += pairs;

            if (step % options.ProgressEvery == 0 || step == batches.Count)
            {
                var windowSeconds = Stopwatch.GetElapsedTime(windowStarted).TotalSeconds;
                sink.Report(new MetricRecord(MetricRecord.StepKind, epoch, step, new Dictionary<string, double>
                {
                    [MetricCatalog.TrainLoss.Key] = lossSum / step,
                    [MetricCatalog.TrainImagesPerSecond.Key] = windowImages / windowSeconds,
                    [MetricCatalog.StepsInEpoch.Key] = batches.Count,
                }));
                windowStarted = Stopwatch.GetTimestamp();
                windowImages = 0;
            }
        }

        var trainSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds + earlierSeconds;
        var valStarted = Stopwatch.GetTimestamp();
        var (valLoss, retrieval) = Evaluate(model, data, frozen, device);
        var valSeconds = Stopwatch.GetElapsedTime(valStarted).TotalSeconds;
        return new EpochSummary(
            epoch, lossSum / Math.Max(1, step), valLoss, trainSeconds, valSeconds, images / trainSeconds,
            [.. optimizer.ParamGroups.Select(g => g.LearningRate)], retrieval);
    }

    /// <summary>The epoch's steps, each with its loss and pair count: on batches assembled in the background, or on frozen features.</summary>
    private IEnumerable<(float Loss, long Pairs)> TrainingSteps(
        ClipModel model, FlatAdamW optimizer, JobData data, FrozenTowerFeatures? frozen, StepThreads? threads, List<int[]> batches, Device device, CancellationToken cancellationToken)
    {
        if (frozen is not null)
        {
            foreach (var batch in batches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return (TrainingStep.RunOnFeatures(model, optimizer, frozen, batch), batch.Length);
            }

            yield break;
        }

        foreach (var batch in BatchPrefetcher.Prefetch(data.Assembler, batches, Math.Max(2, parameters.NumWorkers), cancellationToken))
        {
            using (batch)
            {
                yield return (TrainingStep.Run(model, optimizer, batch, device, threads), batch.Count);
            }
        }
    }

    private (double Loss, RetrievalMetrics Retrieval) Evaluate(ClipModel model, JobData data, FrozenTowerFeatures? frozen, Device device)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();

        // Validation loss over held-out pairs in training-sized batches, so it is comparable with the training loss.
        var valBatches = data.ValSamples.Chunk(parameters.BatchSize).Where(b => b.Length >= 2).ToList();
        var lossSum = 0.0;
        if (frozen is not null)
        {
            foreach (var batch in valBatches)
            {
                using var step = NewDisposeScope();
                var (image, text) = frozen.EmbedPairs(model, batch);
                lossSum += model.Loss.call(image, text).item<float>();
            }
        }
        else
        {
            foreach (var batch in BatchPrefetcher.Prefetch(data.Assembler, valBatches, 2))
            {
                using (batch)
                using (var step = NewDisposeScope())
                {
                    var (image, text) = model.call(batch.Images.to(device), batch.Ids.to(device), batch.Mask.to(device));
                    lossSum += model.Loss.call(image, text).item<float>();
                }
            }
        }

        // Retrieval: every held-out image once, every held-out caption.
        var retrieval = frozen is null
            ? RetrievalEvaluator.Evaluate(model, data.Assembler, data.Split.ValImages, data.ValSamples, device)
            : RetrievalEvaluator.Evaluate(model, frozen, data.Assembler.Samples, data.Split.ValImages, data.ValSamples);
        return (lossSum / Math.Max(1, valBatches.Count), retrieval);
    }

    private EfficiencyFigures MeasureEfficiency(ClipModel model, List<EpochSummary> history, Device device)
    {
        var imageParameters = Count(model.ImageTower);
        var textParameters = Count(model.TextTower);
        var total = Count(model);
        var (latency, throughput) = EfficiencyProbe.Measure(model.ImageTower, parameters.ImageSize, device, runs: options.EfficiencyRuns);
        using var process = Process.GetCurrentProcess();
        var trainImages = history.Sum(h => h.TrainImagesPerSecond * h.TrainSeconds) / history.Sum(h => h.TrainSeconds);
        return new EfficiencyFigures(
            imageParameters, textParameters, total - imageParameters - textParameters, total, latency, throughput, trainImages,
            process.PeakWorkingSet64, "process_peak_working_set");
    }

    private static long Count(TorchSharp.torch.nn.Module module) => module.parameters().Sum(p => p.numel());

    private static Dictionary<string, double> EpochValues(EpochSummary s) => new()
    {
        [MetricCatalog.TrainLoss.Key] = s.TrainLoss,
        [MetricCatalog.ValLoss.Key] = s.ValLoss,
        [MetricCatalog.TrainTime.Key] = s.TrainSeconds,
        [MetricCatalog.ValTime.Key] = s.ValSeconds,
        [MetricCatalog.TrainImagesPerSecond.Key] = s.TrainImagesPerSecond,
        [MetricCatalog.TextToImageR1.Key] = s.Retrieval.TextToImage.R1,
        [MetricCatalog.TextToImageR5.Key] = s.Retrieval.TextToImage.R5,
        [MetricCatalog.TextToImageR10.Key] = s.Retrieval.TextToImage.R10,
        [MetricCatalog.ImageToTextR1.Key] = s.Retrieval.ImageToText.R1,
        [MetricCatalog.ImageToTextR5.Key] = s.Retrieval.ImageToText.R5,
        [MetricCatalog.ImageToTextR10.Key] = s.Retrieval.ImageToText.R10,
        [MetricCatalog.HeadLearningRate.Key] = s.LearningRates[^1],
    };
}
