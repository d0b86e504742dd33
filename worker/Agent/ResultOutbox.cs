using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Worker.Agent;

/// <summary>A job's end, waiting to be acknowledged by the coordinator.</summary>
public sealed record OutboxEntry
{
    [JsonPropertyName("job_id")]
    public required long JobId { get; init; }

    [JsonPropertyName("attempt")]
    public required int Attempt { get; init; }

    [JsonPropertyName("worker_id")]
    public required string WorkerId { get; init; }

    /// <summary>Set for a success: the final metrics.</summary>
    [JsonPropertyName("metrics")]
    public Dictionary<string, double>? Metrics { get; init; }

    /// <summary>Set for a failure: what went wrong.</summary>
    [JsonPropertyName("error")]
    public string? Error { get; init; }

    [JsonPropertyName("retryable")]
    public bool Retryable { get; init; }

    [JsonIgnore]
    public bool IsSuccess => Metrics is not null;
}

/// <summary>
/// Results kept on local disk until the coordinator acknowledges them: written before the first delivery attempt,
/// removed after an acknowledgement or a fencing refusal, so a finished result survives a coordinator outage and an
/// agent restart.
/// </summary>
public sealed class ResultOutbox
{
    private readonly string directory;

    public ResultOutbox(string stateDirectory)
    {
        directory = Path.Combine(stateDirectory, "outbox");
        Directory.CreateDirectory(directory);
    }

    public void Put(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var path = PathOf(entry);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(entry));
        File.Move(temporary, path, overwrite: true); // a crash leaves the old entry or the new one, never half of one
    }

    public IReadOnlyList<OutboxEntry> Pending() =>
        Directory.EnumerateFiles(directory, "*.json")
            .Select(path => JsonSerializer.Deserialize<OutboxEntry>(File.ReadAllText(path)))
            .Where(entry => entry is not null)
            .Select(entry => entry!)
            .OrderBy(entry => entry.JobId)
            .ToList();

    public void Remove(OutboxEntry entry) => File.Delete(PathOf(entry));

    private string PathOf(OutboxEntry entry) => Path.Combine(directory, $"job-{entry.JobId}-attempt-{entry.Attempt}.json");
}
