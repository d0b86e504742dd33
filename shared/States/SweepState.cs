namespace Orchestrator.Shared.States;

/// <summary>Whether a sweep still has work; <see cref="StateLabels"/> names each as the database spells it.</summary>
public enum SweepState
{
    Active,
    Cancelled,
    Finished,
}
