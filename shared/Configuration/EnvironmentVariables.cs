namespace Orchestrator.Shared.Configuration;

/// <summary>
/// The environment variables the coordinator, `orch` and `orch-worker` read, named once. (ORCH_PG_BIN belongs to the
/// LocalPostgres project, which does not reference this one: see PostgresBinaries.DirectoryVariable.)
/// </summary>
public static class EnvironmentVariables
{
    /// <summary>The token workers present; the coordinator accepts it, `orch-worker` sends it.</summary>
    public const string WorkerToken = "ORCH_WORKER_TOKEN";

    /// <summary>The token clients (`orch`) present.</summary>
    public const string ClientToken = "ORCH_CLIENT_TOKEN";

    /// <summary>The coordinator address `orch` talks to when no --coordinator is given.</summary>
    public const string Coordinator = "ORCH_COORDINATOR";

    /// <summary>A PEM file of CA certificates `orch` and `orch-worker` trust for the coordinator's TLS certificate, besides the system's (--ca).</summary>
    public const string CaFile = "ORCH_CA_FILE";

    /// <summary>The orch-worker program `orch demo` starts (a path to orch-worker or orch-worker.dll).</summary>
    public const string WorkerProgram = "ORCH_WORKER";

    /// <summary>Where pretrained weight files are cached.</summary>
    public const string WeightsDirectory = "ORCH_WEIGHTS_DIR";

    /// <summary>Base URL torchvision's `.pth` weight files are downloaded from (a mirror); default https://download.pytorch.org/models/.</summary>
    public const string WeightsTorchvisionUrl = "ORCH_WEIGHTS_TORCHVISION_URL";

    /// <summary>Base URL of a Hugging Face hub (or mirror) for text-tower folders; default https://huggingface.co.</summary>
    public const string WeightsHuggingFaceUrl = "ORCH_WEIGHTS_HF_URL";

    /// <summary>1 (or true): never download weights; a missing file fails the job as before downloads existed.</summary>
    public const string WeightsOffline = "ORCH_WEIGHTS_OFFLINE";

    /// <summary>Where decoded images are cached.</summary>
    public const string ImageCacheDirectory = "ORCH_CACHE_DIR";

    /// <summary>Turns LibTorch's oneDNN (mkldnn) kernels on or off.</summary>
    public const string OneDnn = "ORCH_ONEDNN";

    /// <summary>
    /// How a CPU trainer splits its LibTorch threads between forward/backward and the optimizer: auto (default:
    /// measured once per model shape and machine, then cached) or all (every thread throughout, never measured).
    /// </summary>
    public const string StepThreads = "ORCH_STEP_THREADS";

    /// <summary>Where the measured thread splits are cached (default: the user cache folder's step-threads).</summary>
    public const string StepThreadsCacheDirectory = "ORCH_STEP_THREADS_DIR";

    /// <summary>Test hook: a trainer that finds no file at this path creates it and crashes once.</summary>
    public const string TrainerCrashOnce = "ORCH_TRAINER_CRASH_ONCE";

    /// <summary>Test hook: the trainer waits after this epoch (its checkpoint and metrics written) until released.</summary>
    public const string TrainerHoldAfterEpoch = "ORCH_TRAINER_HOLD_AFTER_EPOCH";

    /// <summary>Test hook: the file whose appearance releases a held trainer.</summary>
    public const string TrainerHoldReleaseFile = "ORCH_TRAINER_HOLD_FILE";

    /// <summary>Test hook: METHOD:STATUS[:WHEN], the first call of that coordinator method made by `orch-worker` fails (CallFaultInjection).</summary>
    public const string AgentCallFault = "ORCH_AGENT_CALL_FAULT";

    /// <summary>The GPUs a process may use; the agent sets it for each trainer child.</summary>
    public const string CudaVisibleDevices = "CUDA_VISIBLE_DEVICES";

    public const string XdgConfigHome = "XDG_CONFIG_HOME";

    public const string XdgDataHome = "XDG_DATA_HOME";

    public const string XdgCacheHome = "XDG_CACHE_HOME";
}
