namespace Orchestrator.Coordinator.Web;

/// <summary>
/// One row of a sweep's jobs table: the newest epoch reported (any attempt), the training loss of that epoch or else
/// of the result, and the text-to-image Recall@1 of the result.
/// </summary>
public sealed record JobLine(long Id, string Encoder, string State, int Attempt, int MaxAttempts, int? Epoch, double? Loss, double? RecallAt1, string? Error);
