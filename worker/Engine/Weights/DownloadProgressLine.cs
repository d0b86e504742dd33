using System.Diagnostics;
using System.Globalization;

namespace Orchestrator.Worker.Engine.Weights;

/// <summary>Progress of one download as lines for a human ("NAME: 12.3 of 44.7 MB (27 %), 5.1 MB/s"), at most one per interval.</summary>
public sealed class DownloadProgressLine(string label, long startBytes, long? total, TimeSpan interval, Action<string> log)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private TimeSpan lastLine = TimeSpan.Zero;

    public void Report(long bytes, bool force = false)
    {
        var now = clock.Elapsed;
        if (!force && now - lastLine < interval)
        {
            return;
        }

        lastLine = now;
        var rate = (bytes - startBytes) / Math.Max(now.TotalSeconds, 1e-3);
        var share = total is > 0 ? string.Create(CultureInfo.InvariantCulture, $" of {Megabytes(total.Value)} MB ({100.0 * bytes / total.Value:0} %)") : " MB";
        log(string.Create(CultureInfo.InvariantCulture, $"downloading {label}: {Megabytes(bytes)}{share}, {Megabytes((long)rate)} MB/s"));
    }

    public void Done(long bytes) =>
        log(string.Create(CultureInfo.InvariantCulture, $"downloaded {label}: {Megabytes(bytes)} MB in {clock.Elapsed.TotalSeconds:0.0} s ({Megabytes((long)((bytes - startBytes) / Math.Max(clock.Elapsed.TotalSeconds, 1e-3)))} MB/s)"));

    private static string Megabytes(long bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture);
}
