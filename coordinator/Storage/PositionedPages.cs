using System.Runtime.CompilerServices;

namespace Orchestrator.Coordinator.Storage;

/// <summary>
/// Reads a feed kept in <see cref="WatchPosition"/> order page after page from a position until it is caught up (a
/// page shorter than asked for): the one catch-up loop behind WatchSweep and the dashboard's event stream.
/// </summary>
public static class PositionedPages
{
    public static async IAsyncEnumerable<T> ReadAsync<T>(
        Func<WatchPosition, int, CancellationToken, Task<IReadOnlyList<T>>> page, Func<T, WatchPosition> positionOf, WatchPosition after, int pageSize,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(positionOf);
        IReadOnlyList<T> rows;
        do
        {
            rows = await page(after, pageSize, cancellationToken);
            foreach (var row in rows)
            {
                after = positionOf(row);
                yield return row;
            }
        }
        while (rows.Count == pageSize);
    }
}
