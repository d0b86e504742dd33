using Microsoft.Extensions.Time.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// A fake clock that tells when code starts waiting on it for a given time, so a test moves it only once the
/// waiter is parked: no real time passes in the wait, and a return before the clock moves cannot be a timeout.
/// </summary>
internal sealed class TimerWatchingClock() : FakeTimeProvider(DateTimeOffset.UtcNow)
{
    private readonly List<(TimeSpan DueTime, TaskCompletionSource Started)> watched = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (watched)
        {
            foreach (var (due, started) in watched.Where(w => w.DueTime == dueTime))
            {
                started.TrySetResult();
            }
        }

        return timer;
    }

    /// <summary>Call before starting the wait; completes when a timer due after <paramref name="dueTime"/> is created.</summary>
    public Task TimerStarted(TimeSpan dueTime)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (watched)
        {
            watched.Add((dueTime, started));
        }

        return started.Task;
    }
}
