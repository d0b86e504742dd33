using System.Diagnostics;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Data.Images;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>The data side of one epoch: open the image cache and turn every image into normalised batches.</summary>
public sealed record CacheEpoch(int Epoch, int Decoded, int Skipped, double Seconds);

/// <summary>
/// The data side of two epochs over a set of files through <see cref="DecodedImageCache"/> in a fresh cache folder:
/// epoch 1 finds the cache empty and decodes every image; epoch 2 (and every later job of a sweep on the machine)
/// opens the file it left and must decode nothing. Each epoch takes the path a training job takes: every usable image
/// normalised into memory (<see cref="DecodedImageCache.NormalisedChw"/>, as <see cref="FileDatasetLoader"/> does),
/// then batches copied into tensors by the <see cref="BatchAssembler"/>.
/// </summary>
public static class CacheEpochBenchmark
{
    public static IReadOnlyList<CacheEpoch> Measure(IReadOnlyList<string> files, ImageDecoder decoder, int batch, int threads)
    {
        ArgumentNullException.ThrowIfNull(files);
        var directory = Directory.CreateTempSubdirectory("orch-cache-bench-").FullName;
        try
        {
            return [Epoch(1, files, decoder, batch, threads, directory), Epoch(2, files, decoder, batch, threads, directory)];
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static CacheEpoch Epoch(int epoch, IReadOnlyList<string> files, ImageDecoder decoder, int batch, int threads, string directory)
    {
        var started = Stopwatch.GetTimestamp();
        using var cache = DecodedImageCache.OpenOrBuild(files, decoder, directory, threads);
        var scratch = new byte[cache.ImageBytes];
        var images = Enumerable.Range(0, cache.Count).Where(cache.IsUsable).Select(i => cache.NormalisedChw(i, scratch)).ToList();
        var assembler = new BatchAssembler(new CaptionedImageSet(cache.Size, images, []), [], padId: 0);
        foreach (var indices in Enumerable.Range(0, images.Count).Chunk(batch))
        {
            using var scope = NewDisposeScope();
            assembler.ImagesOf(indices);
        }

        return new CacheEpoch(epoch, cache.DecodedThisTime, cache.SkippedImages.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
