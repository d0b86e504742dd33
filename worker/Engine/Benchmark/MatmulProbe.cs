using System.Diagnostics;
using Orchestrator.Worker.Engine.Training;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>The machine's fp32 matrix-multiply rate on a device: the ceiling a model's FLOP rate is compared with.</summary>
public static class MatmulProbe
{
    public static double GigaflopsPerSecond(Device device, int size = 1024, int repeats = 10)
    {
        using var scope = NewDisposeScope();
        var a = randn(size, size, device: device);
        var b = randn(size, size, device: device);
        EfficiencyProbe.Synchronize(a.matmul(b));
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < repeats; i++)
        {
            using var step = NewDisposeScope();
            EfficiencyProbe.Synchronize(a.matmul(b));
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return 2.0 * size * size * size * repeats / seconds / 1e9;
    }
}
