
namespace Orchestrator.Coordinator.Results;

/// <summary>One job's per-epoch losses, for the loss-curve plot.</summary>
public sealed record LossCurve(string Label, IReadOnlyList<double> Epochs, IReadOnlyList<double> Train, IReadOnlyList<double> Val);
