namespace Orchestrator.Worker.Engine.Training;

/// <summary>
/// The files of a trainer's output folder (`orch-worker train --out DIR`; under the agent, CHECKPOINT_ROOT/sweep-S/job-J):
/// the job file the agent writes for its trainer child, the metric lines and result the trainer writes, its checkpoints,
/// and the agent's relay mark (how much of the metric lines the coordinator has accepted).
/// The agent and the trainer both find them here, so neither can rename one alone.
/// </summary>
public static class TrainerLayout
{
    public const string JobFile = "leased-job.json";
    public const string MetricsFile = "metrics.jsonl";
    public const string MetricsRelayMarkFile = "metrics.relayed";
    public const string ResultFile = "result.json";
    public const string CheckpointFolder = "checkpoints";

    public static string JobDirectory(string checkpointRoot, long sweepId, long jobId) =>
        Path.Combine(checkpointRoot, $"sweep-{sweepId}", $"job-{jobId}");
}
