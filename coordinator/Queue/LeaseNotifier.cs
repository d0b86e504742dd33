using Npgsql;
using Orchestrator.Coordinator.Storage;

namespace Orchestrator.Coordinator.Queue;

/// <summary>
/// One LISTEN connection per coordinator on `orch_job_queued` (raised by a trigger whenever a job enters the
/// queued state), fanned out to every waiting LeaseJob call, so dispatch latency is a notification, not a poll.
/// Waiters take <see cref="NextWake"/> before they look at the queue, so a job queued between their look and
/// their wait still wakes them.
/// </summary>
public sealed class LeaseNotifier(NpgsqlDataSource dataSource, ILogger<LeaseNotifier> logger) : BackgroundService
{
    public const string Channel = "orch_job_queued";
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(10);

    private TaskCompletionSource wake = NewSignal();

    /// <summary>Completes at the next notification (or reconnection of the listener).</summary>
    public Task NextWake() => Volatile.Read(ref wake).Task;

    /// <summary>Wakes every waiter now; they re-check the queue.</summary>
    public void WakeAll() => Interlocked.Exchange(ref wake, NewSignal()).TrySetResult();

    /// <summary>
    /// Listens until stopped. A lost connection (database restart, failover) is re-established with backoff; the
    /// outage is logged once as a warning and its end once, not every attempt with a stack trace. Meanwhile the
    /// waiters' safety re-check keeps dispatch going.
    /// </summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => WakeAll();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                if (failures > 0)
                {
                    logger.LogInformation("Job-queued listener reconnected after {Failures} failed attempt(s)", failures);
                    failures = 0;
                }

                // Anything queued while no one listened is found by the waiters' re-check.
                WakeAll();
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
            {
                var delay = ReconnectDelay(failures);
                if (failures == 0)
                {
                    logger.LogWarning("Job-queued listener lost the database ({Reason}); reconnecting with backoff up to {Max:F0} s",
                        DatabaseOutage.Describe(exception), MaxReconnectDelay.TotalSeconds);
                }
                else
                {
                    logger.LogDebug("Job-queued listener: reconnect attempt {Attempt} failed ({Reason}); next in {Delay:F1} s",
                        failures, DatabaseOutage.Describe(exception), delay.TotalSeconds);
                }

                failures++;
                WakeAll();
                await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>250 ms doubling per failed attempt, capped: quick after a blip, gentle on a database that stays away.</summary>
    private static TimeSpan ReconnectDelay(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxReconnectDelay.TotalMilliseconds, FirstReconnectDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 16))));

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
