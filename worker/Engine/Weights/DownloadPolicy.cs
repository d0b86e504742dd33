namespace Orchestrator.Worker.Engine.Weights;

/// <summary>How patiently a weight file is downloaded: transient failures (connection reset, 5xx, a stalled body) are retried with doubling waits, resuming from what arrived.</summary>
public sealed record DownloadPolicy
{
    public int Attempts { get; init; } = 5;

    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>From the request to the response's headers.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest wait for the next bytes of a body before the attempt counts as failed.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest wait for another process's download of the same file.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>At most one progress line per this interval.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);
}
