using Npgsql;

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
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    private TaskCompletionSource wake = NewSignal();

    /// <summary>Completes at the next notification (or reconnection of the listener).</summary>
    public Task NextWake() => Volatile.Read(ref wake).Task;

    /// <summary>Wakes every waiter now; they re-check the queue.</summary>
    public void WakeAll() => Interlocked.Exchange(ref wake, NewSignal()).TrySetResult();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
                logger.LogWarning(exception, "Job-queued listener lost its connection; reconnecting");
                WakeAll();
                await Task.Delay(ReconnectDelay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
