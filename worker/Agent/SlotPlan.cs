using System.Diagnostics;
using System.Globalization;

namespace Orchestrator.Worker.Agent;

/// <summary>One slot: a device a child trainer is pinned to, with the memory it has.</summary>
public sealed record Slot(int Index, string Device, long MemoryBytes)
{
    public bool IsCuda => Device.StartsWith("cuda", StringComparison.Ordinal);

    /// <summary>The GPU ordinal for CUDA_VISIBLE_DEVICES; the child then sees it as cuda:0.</summary>
    public string? VisibleDevice => IsCuda ? (Device.Contains(':', StringComparison.Ordinal) ? Device[(Device.IndexOf(':', StringComparison.Ordinal) + 1)..] : "0") : null;

    public override string ToString() => $"slot {Index} ({Device})";
}

/// <summary>Decides the slots of this machine from the options and the GPUs it can see.</summary>
public static class SlotPlan
{
    public static IReadOnlyList<Slot> From(AgentOptions options, IReadOnlyList<long>? gpuMemory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.Devices))
        {
            var devices = options.Devices.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var memory = gpuMemory ?? VisibleGpuMemory();
            return devices.Select((d, i) => Validate(d, i, memory)).ToList();
        }

        var gpus = gpuMemory ?? VisibleGpuMemory();
        if (gpus.Count > 0 && options.Slots is null)
        {
            return gpus.Select((bytes, i) => new Slot(i, $"cuda:{i}", bytes)).ToList();
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

    private static Slot Validate(string device, int index, IReadOnlyList<long> gpuMemory)
    {
        if (device == "cpu")
        {
            return new Slot(index, "cpu", 0);
        }

        if (device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
        {
            if (ordinal >= gpuMemory.Count)
            {
                throw new ArgumentException($"--devices names {device}, but this machine shows {gpuMemory.Count} GPU(s) (nvidia-smi)", nameof(device));
            }

            return new Slot(index, device, gpuMemory[ordinal]);
        }

        throw new ArgumentException($"unknown device '{device}' in --devices; use cpu or cuda:N, comma-separated", nameof(device));
    }
}
