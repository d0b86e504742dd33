using System.Globalization;

namespace Orchestrator.LocalPostgres;

/// <summary>
/// One coordinator per embedded data directory: an exclusive lock on `DIR.lock` beside the directory, held for the
/// coordinator's lifetime. The kernel drops it when the process ends however it ends (kill -9 included), so a
/// crash never leaves the directory locked, while a second live coordinator is turned away before it touches the
/// server the first one runs. The holder's pid is written to `DIR.lock.pid` for the message (the locked file
/// itself cannot be read by others).
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream held;

    private DataDirectoryLock(FileStream held, string path)
    {
        this.held = held;
        LockFile = path;
    }

    public string LockFile { get; }

    /// <summary>Takes the lock or throws <see cref="DataDirectoryInUseException"/> naming the directory and the holder's pid.</summary>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        var directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory));
        var path = directory + ".lock";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        FileStream stream;
        try
        {
            // FileShare.None is an exclusive flock on Unix (a sharing lock on Windows): advisory, kernel-released.
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            var holder = ReadHolder(path);
            throw new DataDirectoryInUseException(
                $"The embedded PostgreSQL data directory {directory} is in use by another coordinator (pid {holder}, lock {path}). " +
                "Two coordinators cannot share one embedded database: stop that one first, give this one its own --data-dir, " +
                "or run several coordinators on one PostgreSQL server with --db.",
                ex);
        }

        File.WriteAllText(path + ".pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + Environment.NewLine);
        return new DataDirectoryLock(stream, path);
    }

    /// <summary>Releases the lock; the files stay (removing a lock file others may be opening would let two hold it).</summary>
    public void Dispose() => held.Dispose();

    private static string ReadHolder(string path)
    {
        try
        {
            return File.ReadAllText(path + ".pid").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
