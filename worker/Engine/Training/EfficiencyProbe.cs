using System.Diagnostics;
using Orchestrator.Worker.Engine.Towers;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>Image-tower latency (batch 1) and throughput (batch 64) in eval mode, after warm-up, on a device.</summary>
public static class EfficiencyProbe
{
    public static (double LatencyMs, double ImagesPerSecond) Measure(ImageTower tower, int imageSize, Device device, int warmup = 2, int runs = 5, int throughputBatch = 64)
    {
        ArgumentNullException.ThrowIfNull(tower);
        var wasTraining = tower.training;
        tower.eval();
        try
        {
            using var noGrad = no_grad();
            var latency = SecondsPerCall(tower, 1, imageSize, device, warmup, runs);
            var batchSeconds = SecondsPerCall(tower, throughputBatch, imageSize, device, Math.Min(warmup, 1), Math.Max(1, runs / 2));
            return (latency * 1000, throughputBatch / batchSeconds);
        }
        finally
        {
            tower.train(wasTraining);
        }
    }

    /// <summary>The median time of one forward call, so a stray scheduling hiccup does not skew it.</summary>
    private static double SecondsPerCall(ImageTower tower, int batch, int imageSize, Device device, int warmup, int runs)
    {
        using var scope = NewDisposeScope();
        var input = randn(batch, 3, imageSize, imageSize, device: device);
        for (var i = 0; i < warmup; i++)
        {
            using var warm = NewDisposeScope();
            tower.call(input);
        }

        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            using var step = NewDisposeScope();
            var started = Stopwatch.GetTimestamp();
            var output = tower.call(input);
            Synchronize(output);
            times[i] = Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        Array.Sort(times);
        return times[runs / 2];
    }

    /// <summary>Waits for queued device work, so a timing covers the computation and not only its launch.</summary>
    public static void Synchronize(Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.device_type == TorchSharp.DeviceType.CUDA)
        {
            cuda.synchronize(output.device);
        }
    }
}
