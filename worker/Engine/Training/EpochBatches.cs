namespace Orchestrator.Worker.Engine.Training;

/// <summary>
/// An epoch's batches: the training captions shuffled by a generator seeded from (seed, epoch) alone, so a resumed
/// run, which is a new process, sees the order an uninterrupted one did and two runs of one job train alike.
/// A last batch of one pair has nothing to contrast and is dropped.
/// </summary>
public static class EpochBatches
{
    public static List<int[]> Of(IReadOnlyList<int> samples, int seed, int epoch, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var order = samples.ToArray();
        new Random(OrderSeed(seed, epoch)).Shuffle(order);
        return order.Chunk(batchSize).Where(b => b.Length >= 2).ToList();
    }

    /// <summary>
    /// Fixed arithmetic, not HashCode.Combine: that one is salted per process, which gave every run of a job its own
    /// batch order (and numbers), resumed runs included.
    /// </summary>
    private static int OrderSeed(int seed, int epoch) => unchecked((seed * 1_000_003) + epoch) & int.MaxValue;
}
