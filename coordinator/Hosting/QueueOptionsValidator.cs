using Microsoft.Extensions.Options;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// Refuses queue timings that cannot work, at start-up (ValidateOnStart) rather than at the first lease: a lease
/// shorter than a heartbeat interval would expire between heartbeats, a zero interval would spin.
/// </summary>
public sealed class QueueOptionsValidator : IValidateOptions<QueueOptions>
{
    public ValidateOptionsResult Validate(string? name, QueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        Positive(problems, nameof(options.LeaseDuration), options.LeaseDuration);
        Positive(problems, nameof(options.HeartbeatInterval), options.HeartbeatInterval);
        Positive(problems, nameof(options.MaxLeaseWait), options.MaxLeaseWait);
        Positive(problems, nameof(options.SafetyRecheckInterval), options.SafetyRecheckInterval);
        if (options.RetryBackoffBase < TimeSpan.Zero)
        {
            problems.Add($"{QueueOptions.Section}:RetryBackoffBase must not be negative (zero retries at once), not {options.RetryBackoffBase}");
        }

        Positive(problems, nameof(options.WatchPollInterval), options.WatchPollInterval);
        if (options.HeartbeatInterval >= options.LeaseDuration)
        {
            problems.Add($"{QueueOptions.Section}:HeartbeatInterval ({options.HeartbeatInterval}) must be shorter than LeaseDuration ({options.LeaseDuration}), or leases expire between heartbeats");
        }

        if (options.RetryBackoffMax < options.RetryBackoffBase)
        {
            problems.Add($"{QueueOptions.Section}:RetryBackoffMax ({options.RetryBackoffMax}) must not be shorter than RetryBackoffBase ({options.RetryBackoffBase})");
        }

        if (options.MissedHeartbeatsBeforeOffline < 1)
        {
            problems.Add($"{QueueOptions.Section}:MissedHeartbeatsBeforeOffline must be at least 1, not {options.MissedHeartbeatsBeforeOffline}");
        }

        if (options.MaxJobsPerSweep < 1)
        {
            problems.Add($"{QueueOptions.Section}:MaxJobsPerSweep must be at least 1, not {options.MaxJobsPerSweep}");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    internal static void Positive(List<string> problems, string name, TimeSpan value, string section = QueueOptions.Section)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{section}:{name} must be a positive duration (hh:mm:ss), not {value}");
        }
    }
}
