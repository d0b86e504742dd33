namespace Orchestrator.Shared.Metrics;

/// <summary>Whether a larger value of a metric is better (recall) or worse (loss, latency, size).</summary>
public enum Better
{
    Higher,
    Lower,

    /// <summary>A count or setting that describes a run rather than scores it (the best epoch, the head's learning rate).</summary>
    Neither,
}
