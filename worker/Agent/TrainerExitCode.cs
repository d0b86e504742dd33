namespace Orchestrator.Worker.Agent;

/// <summary>
/// The exit codes of `orch-worker train`, the contract between a trainer child and the agent. A code the
/// trainer does not choose (a signal, a native abort) is a crash: worth another attempt.
/// </summary>
public static class TrainerExitCode
{
    public const int Succeeded = 0;

    /// <summary>The trainer's command line was wrong (a bug in the agent, or a hand-run mistake).</summary>
    public const int Usage = 2;

    /// <summary>The job description is invalid (unknown field, impossible value): retrying cannot help.</summary>
    public const int InvalidJob = 3;

    /// <summary>The dataset is missing or has no usable pair: retrying cannot help.</summary>
    public const int DatasetUnusable = 4;

    /// <summary>The loss became NaN or infinite.</summary>
    public const int Diverged = 5;

    /// <summary>The device failed (out of memory, lost GPU): retryable, and counted against the slot's health.</summary>
    public const int DeviceError = 6;
}

/// <summary>How a child's end is reported to the coordinator.</summary>
public enum TrainerOutcome
{
    Succeeded,
    PermanentFailure,
    RetryableFailure,
    DeviceFailure,
}

/// <summary>Maps an exit code and the child's last error output to an outcome.</summary>
public static class TrainerExitClassifier
{
    private static readonly string[] DeviceErrorMarks = ["CUDA out of memory", "CUDA error", "cudaErrorDevicesUnavailable", "NCCL error", "device-side assert"];

    public static TrainerOutcome Classify(int exitCode, string errorOutput)
    {
        ArgumentNullException.ThrowIfNull(errorOutput);
        return exitCode switch
        {
            TrainerExitCode.Succeeded => TrainerOutcome.Succeeded,
            TrainerExitCode.Usage or TrainerExitCode.InvalidJob or TrainerExitCode.DatasetUnusable or TrainerExitCode.Diverged => TrainerOutcome.PermanentFailure,
            TrainerExitCode.DeviceError => TrainerOutcome.DeviceFailure,
            _ when NamesDeviceError(errorOutput) => TrainerOutcome.DeviceFailure,
            _ => TrainerOutcome.RetryableFailure,
        };
    }

    /// <summary>Whether a message is LibTorch's or the driver's account of a device failure (the trainer exits 6 on one it catches).</summary>
    public static bool NamesDeviceError(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return DeviceErrorMarks.Any(m => text.Contains(m, StringComparison.OrdinalIgnoreCase));
    }
}
