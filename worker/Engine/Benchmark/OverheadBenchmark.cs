using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Text;
using Orchestrator.Worker.Engine.Towers;
using Orchestrator.Worker.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>
/// Median times of one encoder's overhead-bound training step and of its optimizer step alone, with the trainer's
/// <see cref="FlatAdamW"/> and, in the same run, with TorchSharp's AdamW over the same groups (the optimizer before it).
/// </summary>
public sealed record OverheadBenchmarkResult(
    string Encoder, int ImageSize, int Batch, int Rounds, int ParameterTensors, int ImageTowerTensors,
    double StepSeconds, double OptimizerStepSeconds, int OptimizerCallsPerStep,
    double TorchSharpStepSeconds, double TorchSharpOptimizerStepSeconds, StepThreads Threads)
{
    /// <summary>
    /// LibTorch calls of one TorchSharp AdamW step, derived from its source (TorchSharp has no profiler to count them):
    /// per parameter tensor the gradient's handle, then the decoupled decay (run even at weight decay 0), two ops
    /// per moment, sqrt, the bias-correction division, + eps and the addcdiv update.
    /// </summary>
    public int TorchSharpCallsPerStep => AdamWCallsPerTensor * ParameterTensors;

    public const int AdamWCallsPerTensor = 10;
}

/// <summary>
/// The per-step host overhead of training, where the compute is too small to hide it (32 px images, batch 2, a
/// one-layer text tower): the trainer's own CLIP model, loss, <see cref="TrainingStep"/> and AdamW parameter groups,
/// timed per step; then the optimizer step alone on the same parameters, whose gradients are filled once. Rounds
/// start with untimed warm-up steps in the first; the medians over rounds are reported.
/// <c>infra/bench/pytorch_overhead.py</c> builds the same model in PyTorch for the comparison.
/// </summary>
public static class OverheadBenchmark
{
    /// <summary>Words of the fixed caption vocabulary (plus its four special tokens); the PyTorch twin embeds as many.</summary>
    public const int VocabularyWords = 1000;

    /// <summary>The smallest text tower of a study job: one layer, narrow, short captions.</summary>
    public static JobParameters Parameters(string encoder, int imageSize, int batch) => new()
    {
        Encoder = encoder,
        ImageSize = Math.Max(imageSize, EncoderCatalog.MinimumImageSize(encoder)),
        BatchSize = batch,
        TextEncoder = TextTowerRegistry.SmallTransformer,
        TextLayers = 1,
        TextWidth = 64,
        TextHeads = 2,
        MaxLength = 16,
    };

    public static OverheadBenchmarkResult Measure(JobParameters parameters, int stepsPerRound, int rounds, Device device, Action<string>? log = null, int warmupSteps = 3)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerRound, 1);
        var tokenizer = CaptionVocabulary.Build(Enumerable.Range(0, VocabularyWords).Select(i => $"w{i}"));
        random.manual_seed(parameters.Seed);
        using var model = ClipTrainer.BuildModel(parameters, tokenizer);
        model.to(device);
        model.train();
        var groups = ClipTrainer.ParameterGroups(model, parameters);
        using var optimizer = new FlatAdamW(groups);
        // TorchSharp's AdamW over the same parameters (now views into the flat buffers, which it updates tensor by tensor).
        using var before = optim.AdamW(groups.Select(g => g.ToTorchSharp()));
        var size = parameters.ImageSize;
        var length = parameters.MaxLength;
        using var batch = new ClipBatch(
            randn(parameters.BatchSize, 3, size, size),
            randint(0, tokenizer.VocabularySize, [parameters.BatchSize, length]),
            ones(parameters.BatchSize, length, dtype: ScalarType.Int64));

        // The trainer's own thread split, measured (or read from the cache) as it would before training.
        var threads = StepThreadCalibration.Choose(parameters, model, optimizer, batch, device, get_num_threads(), log);

        // SecondsPerStep synchronises on the tensor a step returns; a parameter is on the step's device and outlives it.
        var onDevice = model.parameters().First();
        Func<Tensor> trainingStep = () =>
        {
            TrainingStep.Run(model, optimizer, batch, device, threads);
            return onDevice;
        };
        Func<Tensor> trainingStepBefore = () =>
        {
            // TrainingStep as it was with TorchSharp's optimizer: the loss read, gradients zeroed tensor by tensor.
            using var scope = NewDisposeScope();
            var (image, text) = model.call(batch.Images.to(device), batch.Ids.to(device), batch.Mask.to(device));
            var loss = model.Loss.call(image, text);
            if (float.IsFinite(loss.item<float>()))
            {
                before.zero_grad();
                loss.backward();
                before.step();
            }

            return onDevice;
        };

        var (stepTimes, stepTimesBefore) = AlternatingRounds.SecondsPerStep(rounds, stepsPerRound, trainingStep, trainingStepBefore, warmupSteps: warmupSteps);
        FillGradients(model, optimizer);
        var (optimizerTimes, optimizerTimesBefore) = AlternatingRounds.SecondsPerStep(rounds, stepsPerRound, () => Step(optimizer.Step, onDevice), () => Step(() => before.step(), onDevice), warmupSteps: warmupSteps);

        var tensors = groups.Sum(g => g.Parameters.Count);
        return new OverheadBenchmarkResult(
            parameters.Encoder, size, parameters.BatchSize, rounds, tensors, model.ImageTower.parameters().Count(),
            Median.Of(stepTimes), Median.Of(optimizerTimes), optimizer.CallsPerStep, Median.Of(stepTimesBefore), Median.Of(optimizerTimesBefore), threads);
    }

    private static Tensor Step(Action step, Tensor onDevice)
    {
        step();
        return onDevice;
    }

    /// <summary>Random gradients on every parameter, through autograd (Σ p·r gives each p the gradient r), so the optimizer updates all of them.</summary>
    private static void FillGradients(Clip.ClipModel model, FlatAdamW optimizer)
    {
        using var scope = NewDisposeScope();
        optimizer.ZeroGrad();
        var sum = model.parameters().Select(p => (p * randn_like(p)).sum()).Aggregate((a, b) => a + b);
        sum.backward();
    }
}
