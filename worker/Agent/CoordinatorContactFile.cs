using System.Globalization;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// A file in the state folder whose modification time says when a coordinator last answered the agent. A worker
/// has no port to probe; a container health check or a Kubernetes probe reads this file instead, so an agent cut
/// off from every coordinator (or whose slots all gave up) shows as unhealthy. Written at most every few seconds.
/// </summary>
public sealed class CoordinatorContactFile
{
    public const string FileName = "coordinator-contact";
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(10);
    private readonly TimeProvider time;
    private long lastWrittenTicks;

    public CoordinatorContactFile(string stateDirectory, TimeProvider time)
    {
        Directory.CreateDirectory(stateDirectory);
        FilePath = Path.Combine(stateDirectory, FileName);
        this.time = time;
    }

    public string FilePath { get; }

    public void Touch()
    {
        var now = time.GetUtcNow();
        var last = Interlocked.Read(ref lastWrittenTicks);
        if (now.UtcTicks - last < MinimumInterval.Ticks || Interlocked.CompareExchange(ref lastWrittenTicks, now.UtcTicks, last) != last)
        {
            return; // written moments ago, or another slot is writing it now
        }

        try
        {
            File.WriteAllText(FilePath, now.ToString("O", CultureInfo.InvariantCulture) + Environment.NewLine);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A full or read-only disk must not fail a call that succeeded; the health check will say so instead.
        }
    }
}
