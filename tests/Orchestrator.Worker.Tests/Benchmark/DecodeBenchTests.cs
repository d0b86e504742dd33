using Orchestrator.Worker.Agent;
using Orchestrator.Worker.Commands;
using Orchestrator.Worker.Engine.Data.Images;
using Orchestrator.Worker.Engine.Benchmark;
using Orchestrator.Worker.Tests.Data;
using SkiaSharp;

namespace Orchestrator.Worker.Tests.Benchmark;

/// <summary>`orch-worker bench --decode` on a handful of generated JPEGs: it measures, and epoch 2 decodes nothing.</summary>
public sealed class DecodeBenchTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("orch-decode-bench-").FullName;

    private List<string> WriteJpegs(int count)
    {
        var paths = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var path = Path.Combine(folder, $"{i:D2}.jpg");
            File.WriteAllBytes(path, TestImages.Halves(120, 90, new SKColor((byte)(i * 40), 60, 200), SKColors.White));
            paths.Add(path);
        }

        return paths;
    }

    [Fact]
    public void Epoch_two_opens_the_cache_epoch_one_left_and_decodes_nothing()
    {
        var files = WriteJpegs(6);

        var epochs = CacheEpochBenchmark.Measure(files, new ImageDecoder(32, ResizeMode.Squash), batch: 4, threads: 2);

        Assert.Equal([1, 2], epochs.Select(e => e.Epoch));
        Assert.Equal(6, epochs[0].Decoded);
        Assert.Equal(0, epochs[1].Decoded);
        Assert.All(epochs, e => Assert.Equal(0, e.Skipped));
    }

    [Fact]
    public void Decode_bench_prints_our_rate_per_core_and_both_epochs()
    {
        WriteJpegs(6);
        var output = new StringWriter();
        var error = new StringWriter();

        var code = BenchCommand.Run(["--decode", "--images", folder, "--sizes", "24", "--rounds", "1"], output, error);

        Assert.True(code == 0, error.ToString());
        var lines = output.ToString().Split('\n');
        Assert.Contains(lines, l => l.StartsWith($"| 24 | 1 | {DecodeBenchmark.Label(new ImageDecoder(24, ResizeMode.Squash))} | 1 | 6 | 0 |", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("| 24 | 1 | 2 | 0 | 0 |", StringComparison.Ordinal)); // epoch 2: nothing decoded
        Assert.Contains(lines, l => l.Contains("djpeg", StringComparison.Ordinal)); // measured, or said to be missing
    }

    [Fact]
    public void Decode_bench_without_an_image_folder_is_a_usage_error()
    {
        var error = new StringWriter();

        var code = BenchCommand.Run(["--decode"], new StringWriter(), error);

        Assert.Equal(TrainerExitCode.Usage, code);
        Assert.Contains("--images is required with --decode", error.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
