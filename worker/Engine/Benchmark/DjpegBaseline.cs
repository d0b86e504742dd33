using System.Diagnostics;
using Orchestrator.Worker.Engine.Data.Images;
using SkiaSharp;

namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>djpeg's rate as run (one process per image) and with the process start taken off: its decode alone.</summary>
public sealed record DjpegRates(DecodeRate WithProcessStart, DecodeRate DecodeOnly, double ProcessStartCpuSeconds);

/// <summary>
/// libjpeg-turbo's `djpeg -scale M/8` (Debian libjpeg-turbo-progs) on the same files: the DCT-scaled decode to the
/// smallest size that still covers the target, written as PPM to /dev/null. It runs as one process per image, whose
/// start (exec, dynamic loading) costs this VM several times the CPU of decoding a small photo. So every chunk of
/// images is followed by as many runs on an 8×8 JPEG, and their CPU time is taken off: what remains is djpeg's
/// decode, the figure to beat. Interleaving in chunks keeps a change in the machine's load from landing on one side.
/// </summary>
public sealed class DjpegBaseline
{
    private const int Chunk = 25;

    private readonly string executable;

    private DjpegBaseline(string executable) => this.executable = executable;

    /// <summary>djpeg from PATH, or null when it is not installed.</summary>
    public static DjpegBaseline? Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "djpeg"))
            .Where(File.Exists)
            .Select(found => new DjpegBaseline(found))
            .FirstOrDefault();
    }

    /// <summary>Each JPEG with the scale numerator (of 8) the decoder would use; files Skia cannot read as JPEG are left out.</summary>
    public static List<(string Path, int Eighths)> Plan(IEnumerable<string> files, ImageDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(decoder);
        var plan = new List<(string, int)>();
        foreach (var file in files)
        {
            using var codec = SKCodec.Create(file);
            if (codec?.EncodedFormat == SKEncodedImageFormat.Jpeg)
            {
                plan.Add((file, decoder.DctScaleEighths(codec.Info.Width, codec.Info.Height)));
            }
        }

        return plan;
    }

    public DjpegRates Measure(IReadOnlyList<(string Path, int Eighths)> plan, int threads)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var tiny = Path.Combine(Path.GetTempPath(), $"orch-djpeg-probe-{Environment.ProcessId}.jpg");
        try
        {
            WriteTinyJpeg(tiny);
            Run(tiny, 8);
            var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
            int failed = 0;
            double wall = 0, imagesCpu = 0, startsCpu = 0;
            foreach (var chunk in plan.Chunk(Chunk))
            {
                var cpu = CpuTime.OfEndedChildren();
                var started = Stopwatch.GetTimestamp();
                Parallel.ForEach(chunk, options, item =>
                {
                    if (!Run(item.Path, item.Eighths))
                    {
                        Interlocked.Increment(ref failed);
                    }
                });
                wall += Stopwatch.GetElapsedTime(started).TotalSeconds;
                var afterImages = CpuTime.OfEndedChildren();
                Parallel.For(0, chunk.Length, options, _ => Run(tiny, 8));
                imagesCpu += afterImages - cpu;
                startsCpu += CpuTime.OfEndedChildren() - afterImages;
            }

            var raw = new DecodeRate("djpeg, process start included", threads, plan.Count, failed, wall, imagesCpu);
            var decodeCpu = imagesCpu - startsCpu;
            var decodeOnly = raw with { Decoder = "djpeg, process start subtracted", CpuSeconds = decodeCpu > 0 ? decodeCpu : double.NaN };
            return new DjpegRates(raw, decodeOnly, startsCpu / plan.Count);
        }
        finally
        {
            File.Delete(tiny);
        }
    }

    private static void WriteTinyJpeg(string path)
    {
        using var bitmap = new SKBitmap(8, 8);
        using var file = File.Create(path);
        bitmap.Erase(SKColors.Gray);
        bitmap.Encode(file, SKEncodedImageFormat.Jpeg, 90);
    }

    private bool Run(string file, int eighths)
    {
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "-scale", $"{eighths}/8", "-outfile", "/dev/null", file },
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
