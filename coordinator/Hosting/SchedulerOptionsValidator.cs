using Microsoft.Extensions.Options;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>Refuses scheduled-job intervals that are zero or negative at start-up: Quartz would fire them in a loop.</summary>
public sealed class SchedulerOptionsValidator : IValidateOptions<SchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        QueueOptionsValidator.Positive(problems, nameof(options.LeaseRescuerInterval), options.LeaseRescuerInterval, SchedulerOptions.Section);
        QueueOptionsValidator.Positive(problems, nameof(options.WorkerLivenessInterval), options.WorkerLivenessInterval, SchedulerOptions.Section);
        QueueOptionsValidator.Positive(problems, nameof(options.SweepCompletionInterval), options.SweepCompletionInterval, SchedulerOptions.Section);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
