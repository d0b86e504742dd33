using System.Text.Json;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>
/// Appends each record as one JSON line (metrics.jsonl), flushed at once so a crash loses nothing reported; each line
/// names <paramref name="attempt"/>, the leased job's attempt this trainer runs for, when there is one.
/// </summary>
public sealed class JsonLinesMetricsSink(string path, bool append, int? attempt = null) : IMetricsSink, IDisposable
{
    private readonly StreamWriter writer = new(path, append) { AutoFlush = true };

    public void Report(MetricRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        writer.WriteLine(JsonSerializer.Serialize(
            new MetricsLine(record.Kind, record.Epoch, record.Step, DateTimeOffset.UtcNow, record.Values, attempt), EngineJson.Options));
    }

    public void Dispose() => writer.Dispose();
}
