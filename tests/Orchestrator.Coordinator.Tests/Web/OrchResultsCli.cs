using System.Globalization;
using Orchestrator.Coordinator.Cli;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Tests.Web;

/// <summary>`orch results` as the dashboard's tables are checked against it: its files, and its cells as text.</summary>
internal static class OrchResultsCli
{
    /// <summary>What `orch results SWEEP --format FORMAT --out FILE` writes.</summary>
    public static async Task<byte[]> WriteAsync(CoordinatorHost host, long sweepId, string format)
    {
        var file = Path.Combine(Path.GetTempPath(), $"orch-results-{Guid.NewGuid():N}.{format}");
        try
        {
            var exit = await OrchCli.RunAsync(["results", sweepId.ToString(CultureInfo.InvariantCulture), "--format", format, "--out", file,
                "--coordinator", host.Address.ToString(), "--token", TestCoordinator.ClientToken]);
            Assert.True(exit is 0 or 1, $"orch results exited with {exit}");
            return await File.ReadAllBytesAsync(file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The CSV's records (heading first) as column → value maps.</summary>
    public static List<Dictionary<string, string>> Records(byte[] csv)
    {
        var lines = System.Text.Encoding.UTF8.GetString(csv).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(',')).ToList();
        return [.. lines.Skip(1).Select(record => lines[0].Zip(record).ToDictionary(p => p.First, p => p.Second))];
    }

    /// <summary>A table cell as `orch results` shows it: the metric's format, "mean ± std", or "–" without a value.</summary>
    public static string Shown(Metric metric, string mean, string std) =>
        mean.Length == 0 ? "–"
        : double.Parse(mean, CultureInfo.InvariantCulture).ToString(metric.Format, CultureInfo.InvariantCulture)
          + (std.Length == 0 ? string.Empty : " ± " + double.Parse(std, CultureInfo.InvariantCulture).ToString(metric.Format, CultureInfo.InvariantCulture));
}
