using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Tests.Engine;

public sealed class EpochBatchesTests
{
    [Fact]
    public void The_order_depends_on_seed_and_epoch_only_so_every_process_trains_a_job_alike()
    {
        // Golden values: a per-process salt (as HashCode.Combine has) would change them on every test run.
        var batches = EpochBatches.Of([.. Enumerable.Range(0, 10)], seed: 7, epoch: 3, batchSize: 4);

        Assert.Equal([[4, 2, 5, 0], [1, 3, 8, 7], [9, 6]], batches);
        Assert.Equal(batches, EpochBatches.Of([.. Enumerable.Range(0, 10)], 7, 3, 4));
        Assert.NotEqual(batches, EpochBatches.Of([.. Enumerable.Range(0, 10)], 7, 4, 4));
        Assert.NotEqual(batches, EpochBatches.Of([.. Enumerable.Range(0, 10)], 8, 3, 4));
    }

    [Fact]
    public void Every_sample_is_used_once_except_a_last_batch_of_one_which_has_nothing_to_contrast()
    {
        var batches = EpochBatches.Of([.. Enumerable.Range(100, 9)], seed: 0, epoch: 1, batchSize: 4);

        Assert.Equal([4, 4], batches.Select(b => b.Length));
        Assert.Equal(8, batches.SelectMany(b => b).Distinct().Count());
        Assert.All(batches.SelectMany(b => b), s => Assert.InRange(s, 100, 108));
    }
}
