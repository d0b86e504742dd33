using System.Globalization;
using Orchestrator.Worker.Engine.Data.Images;
using Orchestrator.Worker.Engine.Benchmark;

namespace Orchestrator.Worker.Commands;

/// <summary>
/// `orch-worker bench --decode --images DIR [--count N] [--sizes 64,96,224] [--resize squash|center-crop]
/// [--threads N] [--rounds 2] [--batch 32]`: decode + resize images/s of our pipeline against `djpeg -scale M/8`
/// on the same files, on one thread and on all, per core; then the data side of epoch 1 (cold image cache) and
/// epoch 2 (warm). Rounds interleave the decoders so that a change in machine load hits both alike.
/// </summary>
public static class DecodeBenchCommand
{
    public const string Flag = "--decode";

    public static int Run(IEnumerable<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        CommandArguments options;
        List<string> files;
        int[] sizes;
        ResizeMode mode;
        try
        {
            options = new CommandArguments(
                args,
                new HashSet<string> { "--images", "--count", "--sizes", "--resize", "--threads", "--rounds", "--batch" },
                new HashSet<string> { Flag });
            var folder = options.Require("--images");
            files = [.. Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).Take(options.GetInt("--count", int.MaxValue))];
            sizes = [.. (options.Get("--sizes") ?? "64,96,224").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            mode = ResizeModes.Parse(options.Get("--resize") ?? "squash");
        }
        catch (Exception e) when (e is ArgumentException or IOException or FormatException)
        {
            error.WriteLine(e.Message);
            return TrainCommand.InvalidInput;
        }

        var threads = Math.Clamp(options.GetInt("--threads", Environment.ProcessorCount), 1, Environment.ProcessorCount);
        var rounds = options.GetInt("--rounds", 2);
        var djpeg = DjpegBaseline.Find();
        output.WriteLine(Invariant($"{files.Count} files from {options.Get("--images")}, resize {mode}, {Environment.ProcessorCount} cores; per core = images per CPU second"));
        if (djpeg is null)
        {
            output.WriteLine("djpeg not found (Debian: apt-get install libjpeg-turbo-progs): only our decoder is measured");
        }

        output.WriteLine("| px | round | decoder | threads | images | failed | wall s | images/s | CPU s | images/s per core | per core vs djpeg |");
        output.WriteLine("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var size in sizes)
            {
                var decoder = new ImageDecoder(size, mode);
                DecodeBenchmark.WarmUp(files, decoder);
                DecodeRate? baseline = null;
                if (djpeg is not null)
                {
                    var rates = djpeg.Measure(DjpegBaseline.Plan(files, decoder), threads);
                    baseline = rates.DecodeOnly;
                    Row(output, size, round, rates.WithProcessStart, null);
                    Row(output, size, round, baseline, null);
                    output.WriteLine(Invariant($"| {size} | {round} | (djpeg process start: {rates.ProcessStartCpuSeconds * 1000:0.00} ms CPU per run) | | | | | | | | |"));
                }

                foreach (var t in threads == 1 ? [1] : new[] { 1, threads })
                {
                    Row(output, size, round, DecodeBenchmark.Measure(files, decoder, t), baseline);
                }
            }
        }

        output.WriteLine();
        output.WriteLine("| px | round | epoch | decoded | skipped | data seconds (open cache + every image as a normalised batch) |");
        output.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var size in sizes)
        {
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var e in CacheEpochBenchmark.Measure(files, new ImageDecoder(size, mode), options.GetInt("--batch", 32), threads))
                {
                    output.WriteLine(Invariant($"| {size} | {round} | {e.Epoch} | {e.Decoded} | {e.Skipped} | {e.Seconds:0.000} |"));
                }
            }
        }

        return 0;
    }

    private static void Row(TextWriter output, int size, int round, DecodeRate rate, DecodeRate? baseline)
    {
        var ratio = baseline is null ? "" : Invariant($"{rate.ImagesPerCoreSecond / baseline.ImagesPerCoreSecond:0.00}×");
        output.WriteLine(Invariant(
            $"| {size} | {round} | {rate.Decoder} | {rate.Threads} | {rate.Images} | {rate.Failed} | {rate.WallSeconds:0.000} | {rate.ImagesPerSecond:0} | {rate.CpuSeconds:0.000} | {rate.ImagesPerCoreSecond:0} | {ratio} |"));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
