using System.Diagnostics;
using Orchestrator.Worker.Engine.Towers;
using Orchestrator.Worker.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>Training and inference images/s of one encoder, with the share of the machine's matmul rate it reaches.</summary>
public sealed record EncoderBenchmarkResult(
    string Encoder, int ImageSize, int Batch, double TrainImagesPerSecond, double InferenceImagesPerSecond, double ForwardGflopsPerImage,
    double TrainFractionOfMatmul, double InferenceFractionOfMatmul);

/// <summary>
/// Times the full TorchVision classifier (1000 classes, cross-entropy, AdamW) as PyTorch eager reference
/// numbers were taken: same model, same shapes. Model FLOPs are torchvision's published multiply-adds × 2,
/// scaled by pixel count; a training step counts three forward passes (forward, and backward's two products).
/// </summary>
public static class EncoderBenchmark
{
    // torchvision's documented GFLOPS (multiply-adds, at 224 px; inception_v3 at 299 px) per image.
    private static readonly Dictionary<string, (double GigaMacs, int AtSize)> PublishedCost = new(StringComparer.Ordinal)
    {
        ["resnet18"] = (1.81, 224),
        ["resnet50"] = (4.09, 224),
        ["mobilenet_v2"] = (0.30, 224),
        ["mobilenet_v3_small"] = (0.06, 224),
        ["mobilenet_v3_large"] = (0.22, 224),
        ["googlenet"] = (1.50, 224),
        ["inception_v3"] = (5.71, 299),
        ["efficientnet_b0"] = (0.39, 224),
    };

    public static IReadOnlyCollection<string> Encoders => [.. PublishedCost.Keys.Where(ImageTowerRegistry.Names.Contains)];

    public static EncoderBenchmarkResult Measure(string encoder, int imageSize, int batch, int steps, double matmulGflops, Device device)
    {
        var entry = ImageTowerRegistry.Get(encoder);
        using var model = entry.CreateClassifier?.Invoke() as nn.Module<Tensor, Tensor>
            ?? throw new ArgumentException($"{encoder} has no TorchVision classifier to benchmark", nameof(encoder));
        model.to(device);
        // The trainer's optimizer; PyTorch's AdamW defaults (weight decay 0.01) as the PyTorch twin has them.
        using var optimizer = new FlatAdamW([new ParameterGroup("model", [.. model.parameters()], LearningRate: 1e-4, WeightDecay: 0.01)]);
        using var scope = NewDisposeScope();
        var input = randn(batch, 3, imageSize, imageSize, device: device);
        var labels = randint(0, 1000, [batch], device: device);

        model.train();
        var trainSeconds = SecondsPerStep(steps, () =>
        {
            var output = model.call(input);
            var loss = nn.functional.cross_entropy(output, labels);
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            return loss;
        });

        model.eval();
        double inferenceSeconds;
        using (no_grad())
        {
            inferenceSeconds = SecondsPerStep(steps, () => model.call(input));
        }

        var (macs, atSize) = PublishedCost[encoder];
        var forwardGflops = 2 * macs * imageSize * imageSize / (atSize * (double)atSize);
        var trainRate = batch / trainSeconds;
        var inferenceRate = batch / inferenceSeconds;
        return new EncoderBenchmarkResult(
            encoder, imageSize, batch, trainRate, inferenceRate, forwardGflops,
            3 * forwardGflops * trainRate / matmulGflops, forwardGflops * inferenceRate / matmulGflops);
    }

    /// <summary>
    /// Warm-up steps, then the mean of <paramref name="steps"/> timed ones. The first steps of a process pay for
    /// kernel choices, the allocator's growth and fresh pages; a training run pays for them once, so they are left
    /// out (<c>infra/bench/pytorch_train_rate.py</c> warms PyTorch up alike).
    /// </summary>
    internal static double SecondsPerStep(int steps, Func<Tensor> step, int warmupSteps = 3)
    {
        for (var i = 0; i < warmupSteps; i++)
        {
            using var warmup = NewDisposeScope();
            EfficiencyProbe.Synchronize(step());
        }

        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            EfficiencyProbe.Synchronize(step());
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds / steps;
    }
}
