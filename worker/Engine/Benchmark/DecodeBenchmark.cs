using System.Diagnostics;
using Orchestrator.Worker.Data.Images;

namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>
/// Decode + resize throughput of <see cref="ImageDecoder"/> on a set of files, on one thread or several, the way the
/// image cache decodes them (one reused buffer per thread), without the cache's write.
/// </summary>
public static class DecodeBenchmark
{
    /// <summary>
    /// Reads every file once first so that both this and the baseline decode from the page cache, not the disk,
    /// and decodes a couple of hundred so that the timed run finds the JIT's optimised code and Skia started.
    /// </summary>
    public static void WarmUp(IReadOnlyList<string> files, ImageDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(decoder);
        foreach (var file in files)
        {
            _ = File.ReadAllBytes(file);
        }

        foreach (var file in files.Take(200))
        {
            decoder.Decode(file);
        }
    }

    public static DecodeRate Measure(IReadOnlyList<string> files, ImageDecoder decoder, int threads)
    {
        ArgumentNullException.ThrowIfNull(files);
        var cpu = CpuTime.OfThisProcess();
        var started = Stopwatch.GetTimestamp();
        var failed = 0;
        ParallelImageDecoder.DecodeEach(decoder, files, (_, _, skipReason) =>
        {
            if (skipReason is not null)
            {
                Interlocked.Increment(ref failed);
            }
        }, threads);
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new DecodeRate("ours (SkiaSharp)", threads, files.Count, failed, wall, CpuTime.OfThisProcess() - cpu);
    }
}
