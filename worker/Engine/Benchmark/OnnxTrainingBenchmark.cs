using Orchestrator.Worker.Engine.Networks.Weights;
using Orchestrator.Worker.Engine.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>Median training-step times of an imported ONNX image model and of a built-in torchvision port.</summary>
public sealed record OnnxTrainingBenchmarkResult(string OnnxFile, string Reference, int ImageSize, int Batch, int Rounds, double OnnxStepSeconds, double ReferenceStepSeconds)
{
    /// <summary>Imported step time over the built-in one (1.10 = the import is 10 % slower).</summary>
    public double Ratio => OnnxStepSeconds / ReferenceStepSeconds;
}

/// <summary>
/// What importing costs in training speed: the same architecture as an imported ONNX graph (e.g. torchvision's
/// resnet18 exported by infra/onnx/export_torchvision_resnet18.py) and as the built-in port, each taking
/// forward + backward + AdamW steps on the same batch with the same loss. Rounds alternate which model goes first,
/// so drifting machine load hits both alike; the medians over rounds are compared.
/// </summary>
public static class OnnxTrainingBenchmark
{
    public static OnnxTrainingBenchmarkResult Measure(string onnxPath, string reference, int imageSize, int batch, int stepsPerRound, int rounds, Device device, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(onnxPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerRound, 1);
        using var imported = new OnnxModule("onnx", OnnxGraph.Load(onnxPath));
        if (imported.InputNames.Count != 1)
        {
            throw new ArgumentException($"{onnxPath}: the benchmark feeds one image input, the graph takes {string.Join(", ", imported.InputNames)}", nameof(onnxPath));
        }

        using var builtIn = TorchvisionClassifiers.Create(reference);
        imported.to(device);
        builtIn.to(device);
        imported.train();
        builtIn.train();
        using var importedOptimizer = optim.AdamW(imported.parameters(), lr: 1e-4);
        using var builtInOptimizer = optim.AdamW(builtIn.parameters(), lr: 1e-4);
        using var input = randn(batch, 3, imageSize, imageSize, device: device);
        Func<Tensor> importedStep = () => Step(imported.call([input])[0], importedOptimizer);
        Func<Tensor> builtInStep = () => Step(builtIn.call(input), builtInOptimizer);

        var (importedTimes, builtInTimes) = AlternatingRounds.SecondsPerStep(
            rounds, stepsPerRound, importedStep, builtInStep,
            (round, imported, builtIn) => progress?.Invoke($"round {round + 1}/{rounds}: imported {imported * 1000:0.0} ms/step, built-in {reference} {builtIn * 1000:0.0} ms/step"));

        return new OnnxTrainingBenchmarkResult(onnxPath, reference, imageSize, batch, rounds, Median.Of(importedTimes), Median.Of(builtInTimes));
    }

    /// <summary>The same loss for both models (mean square of the output): only the network's cost differs.</summary>
    private static Tensor Step(Tensor output, optim.Optimizer optimizer)
    {
        var loss = output.square().mean();
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        return loss;
    }
}
