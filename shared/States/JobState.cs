namespace Orchestrator.Shared.States;

/// <summary>Where a job is in its life; <see cref="StateLabels"/> names each as the database and the CLI spell it.</summary>
public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,

    /// <summary>Its last attempt's lease expired with no attempts left.</summary>
    LeaseLost,

    /// <summary>Stopped early by its sweep's early-stopping rule (ASHA or median): behind the others, not broken.</summary>
    Stopped,
}
