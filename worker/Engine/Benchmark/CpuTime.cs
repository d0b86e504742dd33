using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>
/// CPU seconds (user + system) spent by this process, or by its finished child processes. Per-core rates are
/// images per CPU second: on a machine shared with other work the wall clock says more about the neighbours than
/// about the decoder, the CPU time much less.
/// </summary>
public static partial class CpuTime
{
    private const int ChildrenWho = -1; // RUSAGE_CHILDREN: children that have ended and been waited for

    public static double OfThisProcess()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>Linux only: getrusage(RUSAGE_CHILDREN); .NET waits for every child it started, so each counts once it ends.</summary>
    public static double OfEndedChildren()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("child CPU time is read with Linux getrusage");
        }

        return GetResourceUsage(ChildrenWho, out var usage) == 0
            ? usage.UserSeconds + (usage.UserMicroseconds / 1e6) + usage.SystemSeconds + (usage.SystemMicroseconds / 1e6)
            : throw new InvalidOperationException($"getrusage failed (errno {Marshal.GetLastPInvokeError()})");
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetResourceUsage(int who, out ResourceUsage usage);

    // struct rusage on 64-bit Linux: two timevals, then 14 longs this code does not read (144 bytes in all).
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private struct ResourceUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
    }
}
