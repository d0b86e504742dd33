using System.Diagnostics;
using System.Globalization;

namespace Orchestrator.LocalPostgres;

/// <summary>
/// A server still running in a data directory after the process that started it died (kill -9, out of memory, a
/// crash): pg_ctl starts it detached, so it outlives its coordinator, and the next start on that directory is
/// refused ("another server might be running"). Only the holder of the directory's <see cref="DataDirectoryLock"/>
/// looks for one, so a server found there belongs to no live coordinator and may be stopped.
/// </summary>
internal static class OrphanedServer
{
    private const string StopTimeoutSeconds = "30";

    /// <summary>
    /// Stops the server named by the directory's postmaster.pid if it runs and serves this directory; returns its pid,
    /// or null when there was none. A postmaster.pid naming a live process that is not this directory's server (its
    /// pid was reused, as after a container restart) is removed: PostgreSQL would take that process for a running
    /// server and refuse to start.
    /// </summary>
    public static async Task<int?> StopAsync(PostgresBinaries binaries, string dataDirectory, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        var pid = RecordedPostmaster(pidFile, dataDirectory);
        if (pid is null)
        {
            // No file, or the server it names is gone: PostgreSQL itself replaces a stale postmaster.pid.
            return null;
        }

        if (!ServesDirectory(pid.Value, dataDirectory))
        {
            if (IsAlive(pid.Value))
            {
                File.Delete(pidFile);
            }

            return null;
        }

        // Fast: sessions end, a checkpoint is written, nothing is lost. Immediate only if that fails: crash recovery
        // on the next start replays the WAL, which is what it is for.
        var fast = await ServerCommand.RunAsServerUserAsync(
            binaries.PgCtl, ["stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", StopTimeoutSeconds], cancellationToken);
        if (!fast.Succeeded)
        {
            var immediate = await ServerCommand.RunAsServerUserAsync(
                binaries.PgCtl, ["stop", "-D", dataDirectory, "-m", "immediate", "-w", "-t", StopTimeoutSeconds], cancellationToken);
            if (!immediate.Succeeded)
            {
                throw new LocalPostgresException(
                    $"PostgreSQL (pid {pid}) is still running in {dataDirectory}, left by a coordinator that is gone, and could not be stopped: " +
                    $"{fast.Output.Trim()} {immediate.Output.Trim()} Stop it by hand (`pg_ctl stop -D {dataDirectory}` as the server's user) and start again.");
            }
        }

        return pid;
    }

    /// <summary>The pid in postmaster.pid when the file is there and names this very directory.</summary>
    private static int? RecordedPostmaster(string pidFile, string dataDirectory)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(pidFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // Line 1: the postmaster's pid; line 2: its data directory (see PostgreSQL's pidfile.h).
        return lines.Length >= 2 && int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
               string.Equals(Path.TrimEndingDirectorySeparator(lines[1].Trim()), Path.TrimEndingDirectorySeparator(dataDirectory), StringComparison.Ordinal)
            ? pid
            : null;
    }

    /// <summary>
    /// A live `postgres` whose working directory is this one (a server runs in its data directory), so that a
    /// pid reused by another cluster's server is never stopped; where the working directory cannot be read, the name decides.
    /// </summary>
    private static bool ServesDirectory(int pid, string dataDirectory)
    {
        if (!IsPostgres(pid))
        {
            return false;
        }

        try
        {
            var workingDirectory = new DirectoryInfo($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cwd").ResolveLinkTarget(returnFinalTarget: true);
            return workingDirectory is null || string.Equals(
                Path.TrimEndingDirectorySeparator(workingDirectory.FullName),
                Path.TrimEndingDirectorySeparator(new DirectoryInfo(dataDirectory).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dataDirectory),
                StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The pid may have been reused by an unrelated process since the server died: only a live `postgres` counts.</summary>
    private static bool IsPostgres(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && string.Equals(process.ProcessName, "postgres", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
