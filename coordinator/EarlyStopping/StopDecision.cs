namespace Orchestrator.Coordinator.EarlyStopping;

/// <summary>
/// A rule's verdict that a job falls behind: the rule (asha, median), the epoch it judged (ASHA's rung), the
/// job's value of the metric there, the cut it failed, and a sentence for logs and the job's page.
/// </summary>
public sealed record StopDecision(string Rule, int Epoch, string Metric, double Value, double Cut, string Reason);
