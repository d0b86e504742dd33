using System.CommandLine;
using System.Globalization;
using Orchestrator.Worker.Agent;
using Orchestrator.Worker.Engine.Data.Images;
using Orchestrator.Worker.Engine.Benchmark;
using static System.FormattableString;

namespace Orchestrator.Worker.Commands;

/// <summary>
/// `orch-worker bench --decode --images DIR [--count N] [--sizes 64,96,224] [--resize squash|center-crop]
/// [--threads N] [--rounds 2] [--batch 32]`: decode + resize images/s of our pipeline against `djpeg -scale M/8`
/// on the same files, on one thread and on all, per core; then the data side of epoch 1 (cold image cache) and
/// epoch 2 (warm). Rounds interleave the decoders so that a change in machine load hits both alike.
/// The mode's options live on the bench command (<see cref="BenchCommand"/>), which runs this when --decode is given.
/// </summary>
public sealed class DecodeBenchCommand
{
    public Option<bool> Decode { get; } = new("--decode") { Description = "time image decoding against djpeg instead of the towers" };

    private readonly Option<string?> images = new("--images") { Description = "with --decode: the folder of images to decode" };
    private readonly Option<int?> count = new("--count") { Description = "with --decode: at most this many files (default: all)" };
    private readonly Option<string> sizes = new("--sizes") { Description = "with --decode: target sizes in px, comma-separated", DefaultValueFactory = _ => "64,96,224" };
    private readonly Option<string> resize = new("--resize") { Description = "with --decode: squash or center-crop", DefaultValueFactory = _ => "squash" };
    private readonly Option<int> roundCount = new("--rounds") { Description = "with --decode: rounds, each timing every decoder once", DefaultValueFactory = _ => 2 };

    /// <summary>The options only the decode mode has.</summary>
    public IReadOnlyList<Option> ModeOnly => [images, count, sizes, resize, roundCount];

    public void AddTo(Command bench)
    {
        ArgumentNullException.ThrowIfNull(bench);
        bench.Options.Add(Decode);
        foreach (var option in ModeOnly)
        {
            bench.Options.Add(option);
        }

        bench.Validators.Add(result =>
        {
            if (result.GetValue(Decode) && result.GetValue(images) is null)
            {
                result.AddError("--images is required with --decode");
            }
        });
    }

    public int Run(ParseResult parse, int requestedThreads, int batch)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var folder = parse.GetValue(images)!;
        List<string> files;
        int[] sizesInPixels;
        ResizeMode mode;
        try
        {
            files = [.. Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).Take(parse.GetValue(count) ?? int.MaxValue)];
            sizesInPixels = [.. parse.GetValue(sizes)!.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            mode = ResizeModes.Parse(parse.GetValue(resize)!);
        }
        catch (Exception e) when (e is ArgumentException or IOException or FormatException)
        {
            error.WriteLine(e.Message);
            return TrainerExitCode.Usage;
        }

        var threads = Math.Clamp(requestedThreads, 1, Environment.ProcessorCount);
        var rounds = parse.GetValue(roundCount);
        var djpeg = DjpegBaseline.Find();
        output.WriteLine(Invariant($"{files.Count} files from {folder}, resize {mode}, {Environment.ProcessorCount} cores; per core = images per CPU second"));
        if (djpeg is null)
        {
            output.WriteLine("djpeg not found (Debian: apt-get install libjpeg-turbo-progs): only our decoder is measured");
        }

        output.WriteLine("| px | round | decoder | threads | images | failed | wall s | images/s | CPU s | images/s per core | per core vs djpeg |");
        output.WriteLine("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var size in sizesInPixels)
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
        foreach (var size in sizesInPixels)
        {
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var e in CacheEpochBenchmark.Measure(files, new ImageDecoder(size, mode), batch, threads))
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
}
