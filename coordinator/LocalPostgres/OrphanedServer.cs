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

    /// <summary>Stops the server named by the directory's postmaster.pid if it runs and serves this directory; returns its pid, or null when there was none.</summary>
    public static async Task<int?> StopAsync(PostgresBinaries binaries, string dataDirectory, CancellationToken cancellationToken)
    {
        var pid = RunningPostmaster(dataDirectory);
        if (pid is null)
        {
            // No file, or the server it names is gone: PostgreSQL itself replaces a stale postmaster.pid.
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

    /// <summary>The pid in postmaster.pid when that process is alive, is a PostgreSQL server and serves this very directory.</summary>
    private static int? RunningPostmaster(string dataDirectory)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.Combine(dataDirectory, "postmaster.pid"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // Line 1: the postmaster's pid; line 2: its data directory (see PostgreSQL's pidfile.h).
        if (lines.Length < 2 || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ||
            !string.Equals(Path.TrimEndingDirectorySeparator(lines[1].Trim()), Path.TrimEndingDirectorySeparator(dataDirectory), StringComparison.Ordinal))
        {
            return null;
        }

        return IsPostgres(pid) ? pid : null;
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
