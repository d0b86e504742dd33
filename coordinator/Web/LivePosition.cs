using Orchestrator.Coordinator.Storage;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// Where a sweep's event stream stands in both its feeds, the job state changes and the reported epochs: the id of
/// every event it sends, so a browser's Last-Event-ID resumes exactly after the last event it received. Written
/// "JOBS-EPOCHS", each a <see cref="WatchPosition"/> token ("tx.id").
/// </summary>
public readonly record struct LivePosition(WatchPosition Jobs, WatchPosition Epochs)
{
    /// <summary>Both feeds from the oldest running transaction (<see cref="SweepStore.HorizonAsync"/>) on.</summary>
    public static LivePosition From(long horizon) => new(new WatchPosition(horizon, 0), new WatchPosition(horizon, 0));

    public string ToToken() => Jobs.ToToken() + "-" + Epochs.ToToken();

    /// <summary>A position this stream wrote; null for anything else.</summary>
    public static LivePosition? Parse(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var parts = token.Split('-');
        // WatchPosition reads an empty token as the start; here both halves must be there.
        return parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0
               && WatchPosition.Parse(parts[0]) is { } jobs && WatchPosition.Parse(parts[1]) is { } epochs
            ? new LivePosition(jobs, epochs)
            : null;
    }
}
