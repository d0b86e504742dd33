using System.Diagnostics;
using System.Globalization;
using Orchestrator.Shared.Configuration;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// One slot: a device a child trainer is pinned to, with the memory it has. <paramref name="VisibleDevice"/> is
/// what the child gets as CUDA_VISIBLE_DEVICES, so it sees its GPU as cuda:0 (null for a CPU slot).
/// <paramref name="Threads"/> is the child's LibTorch thread count (0: the trainer's default, every core).
/// </summary>
public sealed record Slot(int Index, string Device, long MemoryBytes, string? VisibleDevice = null, int Threads = 0)
{
    public bool IsCuda => Device.StartsWith("cuda", StringComparison.Ordinal);

    public override string ToString() => $"slot {Index} ({Device})";
}

/// <summary>
/// Decides the slots of this machine from the options and the GPUs it may use: those nvidia-smi shows, narrowed
/// to the agent's own CUDA_VISIBLE_DEVICES when a scheduler (Slurm, a container runtime) set it. nvidia-smi
/// ignores that variable, so without the narrowing an agent given one GPU of eight would run on all eight.
/// </summary>
public static class SlotPlan
{
    /// <summary>Values of CUDA_VISIBLE_DEVICES that hide every GPU (Slurm writes NoDevFiles when none is allocated).</summary>
    private static readonly string[] NoGpu = ["", "-1", "NoDevFiles"];

    public static IReadOnlyList<Slot> From(AgentOptions options) =>
        From(options, VisibleGpuMemory(), Environment.GetEnvironmentVariable(EnvironmentVariables.CudaVisibleDevices));

    /// <summary>
    /// The slots, each with its share of this machine's cores for its trainer's LibTorch threads. Every trainer
    /// taking every core made two CPU slots on two cores run four spinning OpenMP threads, each trainer at a
    /// fraction of the speed of one alone; GPU trainers use their threads for the input pipeline, shared alike.
    /// </summary>
    /// <param name="options">the agent's options</param>
    /// <param name="gpuMemory">memory of each GPU nvidia-smi shows, in its order</param>
    /// <param name="cudaVisibleDevices">the agent's own CUDA_VISIBLE_DEVICES; null when unset</param>
    /// <param name="processorCount">cores this process may use (default: Environment.ProcessorCount)</param>
    public static IReadOnlyList<Slot> From(AgentOptions options, IReadOnlyList<long> gpuMemory, string? cudaVisibleDevices = null, int? processorCount = null)
    {
        var slots = Devices(options, gpuMemory, cudaVisibleDevices);
        var threads = options.ThreadsPerSlot ?? Math.Max(1, (processorCount ?? Environment.ProcessorCount) / Math.Max(1, slots.Count));
        return slots.Select(slot => slot with { Threads = threads }).ToList();
    }

    private static List<Slot> Devices(AgentOptions options, IReadOnlyList<long> gpuMemory, string? cudaVisibleDevices)
    {
        ArgumentNullException.ThrowIfNull(options);
        var gpus = UsableGpus(gpuMemory, cudaVisibleDevices);
        if (!string.IsNullOrWhiteSpace(options.Devices))
        {
            var devices = options.Devices.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return devices.Select((d, i) => Validate(d, i, gpus)).ToList();
        }

        if (gpus.Count > 0 && options.Slots is null)
        {
            return gpus.Select((gpu, i) => new Slot(i, $"cuda:{i}", gpu.MemoryBytes, gpu.VisibleAs)).ToList();
        }

        var slots = options.Slots ?? 1;
        if (slots < 1)
        {
            throw new ArgumentException($"--slots must be at least 1, got {slots}", nameof(options));
        }

        return Enumerable.Range(0, slots).Select(i => new Slot(i, "cpu", 0)).ToList();
    }

    /// <summary>Total memory of each GPU nvidia-smi reports; none when it is absent (CPU machines).</summary>
    public static IReadOnlyList<long> VisibleGpuMemory()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("nvidia-smi", "--query-gpu=memory.total --format=csv,noheader,nounits")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return [];
            }

            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode != 0
                ? []
                : output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(line => long.Parse(line, CultureInfo.InvariantCulture) * 1024 * 1024)
                    .ToList();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return []; // no nvidia-smi: no NVIDIA GPU here
        }
    }

    /// <summary>
    /// The GPUs this agent may use, as cuda:0, cuda:1… in its own view, each with the name its children must be
    /// given: an entry of the inherited CUDA_VISIBLE_DEVICES (an index or a UUID) when set, else the index.
    /// </summary>
    private static List<(string VisibleAs, long MemoryBytes)> UsableGpus(IReadOnlyList<long> gpuMemory, string? cudaVisibleDevices)
    {
        if (cudaVisibleDevices is null)
        {
            return gpuMemory.Select((bytes, i) => (i.ToString(CultureInfo.InvariantCulture), bytes)).ToList();
        }

        if (gpuMemory.Count == 0 || NoGpu.Contains(cudaVisibleDevices.Trim()))
        {
            return [];
        }

        // An index names nvidia-smi's GPU of that index; a UUID (GPU-…, MIG-…) leaves the memory unknown (0).
        return cudaVisibleDevices.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => (entry, int.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < gpuMemory.Count ? gpuMemory[index] : 0L))
            .ToList();
    }

    private static Slot Validate(string device, int index, List<(string VisibleAs, long MemoryBytes)> gpus)
    {
        if (device == "cpu")
        {
            return new Slot(index, "cpu", 0);
        }

        if (device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
        {
            if (ordinal >= gpus.Count)
            {
                throw new ArgumentException($"--devices names {device}, but this agent may use {gpus.Count} GPU(s) (nvidia-smi, CUDA_VISIBLE_DEVICES)", nameof(device));
            }

            return new Slot(index, device, gpus[ordinal].MemoryBytes, gpus[ordinal].VisibleAs);
        }

        throw new ArgumentException($"unknown device '{device}' in --devices; use cpu or cuda:N, comma-separated", nameof(device));
    }
}
