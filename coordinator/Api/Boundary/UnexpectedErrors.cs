using System.Collections.Concurrent;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>
/// Calls that ended in an exception nobody expected (INTERNAL to the client). Every one is a bug: the tests'
/// coordinators fail at dispose when this is not empty, so a test that provokes one fails even if it asserts nothing.
/// </summary>
public sealed class UnexpectedErrors
{
    private const int Kept = 20;
    private readonly ConcurrentQueue<string> recent = new();
    private int count;

    public int Count => Volatile.Read(ref count);

    /// <summary>The latest few, each as "error id, method: exception".</summary>
    public IReadOnlyList<string> Recent => [.. recent];

    public void Record(string errorId, string method, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Interlocked.Increment(ref count);
        recent.Enqueue($"{errorId} {method}: {exception.GetType().Name}: {exception.Message}");
        while (recent.Count > Kept && recent.TryDequeue(out _))
        {
        }
    }
}
