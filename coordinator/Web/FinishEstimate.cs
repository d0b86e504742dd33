namespace Orchestrator.Coordinator.Web;

/// <summary>
/// When an active sweep should be done, from its own pace. Method: the median time its finished jobs took from lease to
/// completion (succeeded or failed, one sample per attempt) is the typical job; the jobs running now are how many go
/// in parallel; so the jobs left (queued and running) end after left × typical ÷ running. The median, not the mean,
/// so one job that hung until its lease expired does not move the estimate; the running count, not the slots
/// registered, because that is what the sweep gets now (other sweeps, priorities and idle workers included). None
/// without a finished job to learn from or with nothing running to extrapolate.
/// </summary>
public sealed record FinishEstimate(DateTime At, TimeSpan TypicalJob, int Samples, int Running, int Left)
{
    public static FinishEstimate? From(DateTime now, SweepPace? pace, int queued, int running)
    {
        if (pace is not { Samples: > 0 } known || running <= 0)
        {
            return null;
        }

        var left = queued + running;
        return new FinishEstimate(now + (known.MedianJob * left / running), known.MedianJob, known.Samples, running, left);
    }
}

/// <summary>How fast a sweep's jobs go: the median lease-to-completion time of its <see cref="Samples"/> finished attempts.</summary>
public sealed record SweepPace(TimeSpan MedianJob, int Samples);
