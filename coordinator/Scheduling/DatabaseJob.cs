using Orchestrator.Coordinator.Storage;
using Quartz;

namespace Orchestrator.Coordinator.Scheduling;

/// <summary>
/// A scheduled job made of database statements. A tick that finds the database away (restart, failover) logs
/// one warning line and leaves the work to the next tick, which finds it back; anything else still reaches
/// Quartz, which logs it with its stack trace.
/// </summary>
public abstract class DatabaseJob(ILogger logger) : IJob
{
    /// <summary>The concrete job's logger.</summary>
    protected ILogger Logger { get; } = logger;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await RunOnceAsync(cancellationToken);
        }
        catch (Exception exception) when (DatabaseOutage.Is(exception) && !cancellationToken.IsCancellationRequested)
        {
            Logger.LogWarning("{Job}: the database is unavailable ({Reason}); trying again at the next tick", GetType().Name, DatabaseOutage.Describe(exception));
        }
    }

    /// <summary>One tick's work.</summary>
    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);
}
