using System.Text;
using System.Text.Json;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// One epoch report of a trainer: epoch, step and numeric metrics, and <paramref name="End"/>, the byte offset just
/// past its line in metrics.jsonl (where relaying goes on once the coordinator has accepted it), and the attempt whose
/// trainer wrote it (null when the line does not say).
/// </summary>
public sealed record EpochReport(int Epoch, long Step, IReadOnlyDictionary<string, double> Metrics, long End, int? Attempt = null);

/// <summary>
/// Reads the complete lines a trainer has appended to its metrics.jsonl since the last read, starting at
/// <paramref name="startOffset"/> (a <see cref="MetricsRelayMark"/>; 0 for the whole file). A line still being
/// written (no newline yet) waits for the next read, so a report is never sent half-parsed. A start beyond the
/// file's end means the file was begun afresh since the mark was taken; it is then read from its start.
/// </summary>
public sealed class MetricsFileTail(string path, long startOffset = 0)
{
    private long offset = startOffset;

    /// <summary>The newest step line read so far; null before the first.</summary>
    public StepSample? LatestStep { get; private set; }

    public IReadOnlyList<EpochReport> ReadNew()
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < offset)
        {
            offset = 0;
        }

        if (stream.Length == offset)
        {
            return [];
        }

        stream.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[stream.Length - offset];
        stream.ReadExactly(buffer);
        var reports = new List<EpochReport>();
        var lineStart = 0;
        for (var newline = Array.IndexOf(buffer, (byte)'\n'); newline >= 0; newline = Array.IndexOf(buffer, (byte)'\n', lineStart))
        {
            var end = offset + newline + 1;
            if (Parse(Encoding.UTF8.GetString(buffer, lineStart, newline - lineStart), end) is { } report)
            {
                reports.Add(report);
            }

            lineStart = newline + 1;
        }

        offset += lineStart;
        return reports;
    }

    /// <summary>Top-level numbers of a JSON object, minus the bookkeeping fields.</summary>
    public static Dictionary<string, double> NumericFields(JsonElement root, params string[] except)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Number && !except.Contains(property.Name) && property.Value.TryGetDouble(out var value) && double.IsFinite(value))
            {
                metrics[property.Name] = value;
            }
        }

        return metrics;
    }

    /// <summary>An epoch line of the trainer (<see cref="MetricsLine"/>); a step line is not relayed, only kept as <see cref="LatestStep"/>.</summary>
    private EpochReport? Parse(string line, long end)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(MetricsLine.KindField, out var kind) ||
                !root.TryGetProperty(MetricsLine.EpochField, out var epoch) || !root.TryGetProperty(MetricsLine.ValuesField, out var values) || values.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var step = root.TryGetProperty(MetricsLine.StepField, out var s) && s.TryGetInt64(out var stepValue) ? stepValue : 0;
            if (kind.GetString() == MetricRecord.StepKind)
            {
                LatestStep = new StepSample(epoch.GetInt32(), step, NumericFields(values));
                return null;
            }

            if (kind.GetString() != MetricRecord.EpochKind)
            {
                return null;
            }

            int? attempt = root.TryGetProperty(MetricsLine.AttemptField, out var a) && a.TryGetInt32(out var attemptValue) && attemptValue > 0 ? attemptValue : null;
            return new EpochReport(epoch.GetInt32(), step, NumericFields(values), end, attempt);
        }
        catch (JsonException)
        {
            return null; // not a report line
        }
    }
}
