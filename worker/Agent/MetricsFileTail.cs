using System.Text;
using System.Text.Json;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Agent;

/// <summary>One epoch report of a trainer: epoch, step and numeric metrics.</summary>
public sealed record EpochReport(int Epoch, long Step, IReadOnlyDictionary<string, double> Metrics);

/// <summary>
/// Reads the complete lines a trainer has appended to its metrics.jsonl since the last read. A line still being
/// written (no newline yet) waits for the next read, so a report is never sent half-parsed.
/// </summary>
public sealed class MetricsFileTail(string path)
{
    private long offset;

    public IReadOnlyList<EpochReport> ReadNew()
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length <= offset)
        {
            return [];
        }

        stream.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[stream.Length - offset];
        stream.ReadExactly(buffer);
        var lastNewline = Array.LastIndexOf(buffer, (byte)'\n');
        if (lastNewline < 0)
        {
            return [];
        }

        offset += lastNewline + 1;
        return Encoding.UTF8.GetString(buffer, 0, lastNewline)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Parse)
            .Where(r => r is not null)
            .Select(r => r!)
            .ToList();
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

    /// <summary>An epoch line of the trainer (<see cref="MetricsLine"/>); step lines are not relayed.</summary>
    private static EpochReport? Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(MetricsLine.KindField, out var kind) || kind.GetString() != MetricRecord.EpochKind ||
                !root.TryGetProperty(MetricsLine.EpochField, out var epoch) || !root.TryGetProperty(MetricsLine.ValuesField, out var values) || values.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var step = root.TryGetProperty(MetricsLine.StepField, out var s) && s.TryGetInt64(out var stepValue) ? stepValue : 0;
            return new EpochReport(epoch.GetInt32(), step, NumericFields(values));
        }
        catch (JsonException)
        {
            return null; // not a report line
        }
    }
}
