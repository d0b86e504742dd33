namespace Orchestrator.Worker.Agent;

/// <summary>A trainer's progress within an epoch (a step line): not relayed to the coordinator, but the agent's live throughput.</summary>
public sealed record StepSample(int Epoch, long Step, IReadOnlyDictionary<string, double> Metrics);
