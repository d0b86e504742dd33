using System.Diagnostics;
using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Losses;
using Orchestrator.Worker.Engine.Clip;
using Orchestrator.Worker.Engine.Towers;
using Orchestrator.Worker.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>Mean training-step time fed by the real pipeline (prefetched from the image cache) and by batches built beforehand.</summary>
public sealed record PipelineBenchmarkResult(string Encoder, int ImageSize, int Batch, double PipelineStepSeconds, double PreloadedStepSeconds)
{
    public double Overhead => (PipelineStepSeconds / PreloadedStepSeconds) - 1;
}

/// <summary>
/// Whether the data pipeline keeps the model busy: the same CLIP training steps (small transformer text tower,
/// study head, InfoNCE) on the same batches, once through <see cref="BatchPrefetcher"/> and once from tensors
/// assembled in advance. Both are run three times, interleaved, so a drift in machine load hits both alike.
/// </summary>
public static class PipelineBenchmark
{
    public static PipelineBenchmarkResult Measure(string encoder, int imageSize, int batch, int steps, int workers, Device device)
    {
        const int captionsPerImage = 5;
        var set = SyntheticShapes.Generate((((steps + 1) * batch) / captionsPerImage) + 2, captionsPerImage, imageSize, seed: 1);
        var data = JobData.FromSet(set, valFraction: 0.01, splitSeed: 1, maxLength: 32);
        var parameters = new JobParameters { Encoder = encoder, TextEncoder = TextTowerRegistry.SmallTransformer, MaxLength = 32 };
        random.manual_seed(1);
        using var model = new ClipModel(
            ImageTowerRegistry.Get(encoder).Create(), TextTowerRegistry.Create(parameters, data.Tokenizer), new InfoNceLoss(), 1, 256, 0.1);
        model.to(device);
        model.train();
        using var optimizer = new FlatAdamW([new ParameterGroup("model", [.. model.parameters()], LearningRate: 1e-4, WeightDecay: 0.01)]);
        var batches = data.TrainSamples.Chunk(batch).Take(steps + 1).ToList();

        using (var warmup = data.Assembler.Assemble(batches[0]))
        {
            TrainingStep.Run(model, optimizer, warmup, device);
        }

        var timed = batches.Skip(1).ToList();
        double pipeline = 0, preloaded = 0;
        const int rounds = 3;
        for (var round = 0; round < rounds; round++)
        {
            var ready = timed.Select(data.Assembler.Assemble).ToList();
            var started = Stopwatch.GetTimestamp();
            foreach (var b in ready)
            {
                using (b)
                {
                    TrainingStep.Run(model, optimizer, b, device);
                }
            }

            preloaded += Stopwatch.GetElapsedTime(started).TotalSeconds;

            started = Stopwatch.GetTimestamp();
            foreach (var b in BatchPrefetcher.Prefetch(data.Assembler, timed, Math.Max(2, workers)))
            {
                using (b)
                {
                    TrainingStep.Run(model, optimizer, b, device);
                }
            }

            pipeline += Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        return new PipelineBenchmarkResult(encoder, imageSize, batch, pipeline / (rounds * timed.Count), preloaded / (rounds * timed.Count));
    }
}
