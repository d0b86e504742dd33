using Microsoft.Extensions.Options;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>Refuses limits that cannot work at start-up (ValidateOnStart), not at the first call they would break.</summary>
public sealed class LimitsOptionsValidator : IValidateOptions<LimitsOptions>
{
    // Below this an ordinary refusal or worker registration would itself be refused.
    private const int SmallestMessage = 64 * 1024;

    public ValidateOptionsResult Validate(string? name, LimitsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        AtLeast(problems, nameof(options.MaxReceiveMessageBytes), options.MaxReceiveMessageBytes, SmallestMessage);
        AtLeast(problems, nameof(options.MaxNameLength), options.MaxNameLength, 16);
        AtLeast(problems, nameof(options.MaxWorkerIdLength), options.MaxWorkerIdLength, 32); // issued ids are 32 characters
        AtLeast(problems, nameof(options.MaxErrorTextLength), options.MaxErrorTextLength, 256); // room for the truncation marker
        AtLeast(problems, nameof(options.MaxDevicesPerWorker), options.MaxDevicesPerWorker, 1);
        AtLeast(problems, nameof(options.MaxMetricsPerReport), options.MaxMetricsPerReport, 1);
        AtLeast(problems, nameof(options.MaxRepeatedEntries), options.MaxRepeatedEntries, 1);
        AtLeast(problems, nameof(options.MaxProblemsInMessage), options.MaxProblemsInMessage, 1);
        AtLeast(problems, nameof(options.MaxResponsePageBytes), options.MaxResponsePageBytes, SmallestMessage);
        AtLeast(problems, nameof(options.MaxProgressPointsInJobDetail), options.MaxProgressPointsInJobDetail, 1);
        AtLeast(problems, nameof(options.MaxSpecBytes), options.MaxSpecBytes, 1024);
        AtLeast(problems, nameof(options.MaxYamlDepth), options.MaxYamlDepth, 4); // parameters.pretrained[0].image
        AtLeast(problems, nameof(options.MaxYamlAliases), options.MaxYamlAliases, 0);
        AtLeast(problems, nameof(options.MaxYamlNodes), options.MaxYamlNodes, 100);
        AtLeast(problems, nameof(options.MaxSpecTextLength), options.MaxSpecTextLength, 256);
        if (!(options.MaxMetricMagnitude >= 1 && options.MaxMetricMagnitude <= 1e15))
        {
            problems.Add($"{LimitsOptions.Section}:MaxMetricMagnitude must be between 1 and 1e15 (sums of many values must not overflow), not {options.MaxMetricMagnitude}");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void AtLeast(List<string> problems, string name, int value, int minimum)
    {
        if (value < minimum)
        {
            problems.Add($"{LimitsOptions.Section}:{name} must be at least {minimum}, not {value}");
        }
    }
}
