using System.Diagnostics;
using Orchestrator.Worker.Engine.Data.Images;

namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>
/// Decode + resize throughput of <see cref="ImageDecoder"/> on a set of files, on one thread or several, the way the
/// image cache decodes them (one reused buffer per thread), without the cache's write.
/// </summary>
public static class DecodeBenchmark
{
    /// <summary>
    /// Reads every file once first so that both this and the baseline decode from the page cache, not the disk,
    /// and decodes for a second (at least a couple of hundred images) so that the timed run finds the JIT's optimised
    /// code and Skia started: the JIT promotes a method only after its calls have gone on for 100 ms past the last
    /// new method, and at 0.1–0.3 ms an image two hundred decodes end before that.
    /// </summary>
    public static void WarmUp(IReadOnlyList<string> files, ImageDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(decoder);
        foreach (var file in files)
        {
            _ = File.ReadAllBytes(file);
        }

        var started = Stopwatch.GetTimestamp();
        for (var i = 0; files.Count > 0 && (i < 200 || Stopwatch.GetElapsedTime(started).TotalSeconds < 1); i++)
        {
            decoder.Decode(files[i % files.Count]);
        }
    }

    /// <summary>Which JPEG decoder the rows measure: the system's libturbojpeg where there is one, else Skia's.</summary>
    public static string Label(ImageDecoder decoder) =>
        decoder.UseTurboJpeg && TurboJpegDecoder.IsAvailable ? "ours (libturbojpeg, Skia resize)" : "ours (SkiaSharp)";

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
        return new DecodeRate(Label(decoder), threads, files.Count, failed, wall, CpuTime.OfThisProcess() - cpu);
    }
}
