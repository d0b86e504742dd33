using System.Diagnostics;

namespace Orchestrator.Worker.Engine.Weights;

/// <summary>
/// NAME.lock beside a cached file, held open with FileShare.None (an exclusive flock on Unix) while the file is being
/// put in place, so two jobs of one machine download it once: the second waits, then finds the file. The lock file
/// stays: deleting it would let a waiter lock an unlinked inode while a third process creates a new one.
/// </summary>
public sealed class CacheFileLock : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RepeatNotice = TimeSpan.FromSeconds(30);
    private readonly FileStream stream;

    private CacheFileLock(FileStream stream) => this.stream = stream;

    public static async Task<CacheFileLock> AcquireAsync(string lockPath, string label, TimeSpan timeout, Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        var waited = Stopwatch.StartNew();
        var nextNotice = TimeSpan.Zero;
        while (true)
        {
            try
            {
                return new CacheFileLock(new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (File.Exists(lockPath))
            {
                if (waited.Elapsed >= timeout)
                {
                    throw new WeightsUnavailableException($"waited {timeout.TotalMinutes:0.#} min for another download of {label} (lock {lockPath}) without it finishing; if no other job is downloading it, that process hangs: stop it");
                }

                if (waited.Elapsed >= nextNotice)
                {
                    log($"waiting for another download of {label} (lock {lockPath}), {waited.Elapsed.TotalSeconds:0} s so far");
                    nextNotice = waited.Elapsed + RepeatNotice;
                }

                await Task.Delay(Poll, cancellationToken);
            }
        }
    }

    public void Dispose() => stream.Dispose();
}
