namespace Orchestrator.Worker.Engine.Data;

/// <summary>
/// Yields batches in order while the next ones are being built on thread-pool threads, up to
/// <c>depth</c> ahead, so a training step never waits for a batch that a free core could have prepared.
/// </summary>
public static class BatchPrefetcher
{
    public static IEnumerable<ClipBatch> Prefetch(BatchAssembler assembler, IReadOnlyList<int[]> batches, int depth, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assembler);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        var pending = new Queue<Task<ClipBatch>>();
        var next = 0;
        try
        {
            while (next < batches.Count || pending.Count > 0)
            {
                while (next < batches.Count && pending.Count < depth)
                {
                    var indices = batches[next++];
                    pending.Enqueue(Task.Run(() => assembler.Assemble(indices), cancellationToken));
                }

                cancellationToken.ThrowIfCancellationRequested();
                yield return pending.Dequeue().GetAwaiter().GetResult();
            }
        }
        finally
        {
            // Stopped early (exception, divergence, cancellation): free what was built ahead.
            foreach (var task in pending)
            {
                try
                {
                    task.GetAwaiter().GetResult().Dispose();
                }
                catch (OperationCanceledException)
                {
                    // Never started; nothing to free.
                }
            }
        }
    }
}
