using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>
/// Frozen towers (`trainable: false`) train their heads on tower outputs computed once: the numbers must be those of
/// running the towers on every batch, and a resumed run must still reproduce an uninterrupted one.
/// </summary>
public sealed class FrozenTowerTrainingTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("orch-frozen-").FullName;

    private static Orchestrator.Shared.Specs.JobDefinition FrozenJob(int epochs = 3)
    {
        var job = TrainingTests.SmallJob(epochs);
        return job with { Parameters = job.Parameters with { Trainable = false, Dropout = 0.1 } };
    }

    private TrainingResult Train(string name, bool cache, int? stopAfter = null, bool resume = false, List<string>? log = null) =>
        new ClipTrainer(FrozenJob(), new TrainingOptions(Path.Combine(directory, name))
        {
            CacheFrozenFeatures = cache,
            StopAfterEpochs = stopAfter,
            Resume = resume,
            EfficiencyRuns = 1,
            Log = line => log?.Add(line),
        }, new NullSink()).Run();

    [Fact]
    public void Heads_trained_on_features_computed_once_match_heads_trained_through_the_towers_every_step()
    {
        var log = new List<string>();
        var cached = Train("cached", cache: true, log: log);
        var reference = Train("towers", cache: false);

        Assert.Equal(3, cached.Epochs.Count);
        Assert.Contains(log, l => l.StartsWith("frozen towers: features of 240 images and 720 captions computed once", StringComparison.Ordinal));
        foreach (var (a, b) in cached.Epochs.Zip(reference.Epochs))
        {
            Assert.Equal(b.TrainLoss, a.TrainLoss, 1e-4);
            Assert.Equal(b.ValLoss, a.ValLoss, 1e-4);
            Assert.Equal(b.Retrieval.TextToImage.R1, a.Retrieval.TextToImage.R1, 1e-9);
            Assert.Equal(b.Retrieval.TextToImage.R10, a.Retrieval.TextToImage.R10, 1e-9);
            Assert.Equal(b.Retrieval.ImageToText.R5, a.Retrieval.ImageToText.R5, 1e-9);
        }

        // The heads learned something: the loss fell over the three epochs.
        Assert.True(cached.Epochs[^1].ValLoss < cached.Epochs[0].ValLoss, $"{cached.Epochs[0].ValLoss} → {cached.Epochs[^1].ValLoss}");
        Assert.Equal(reference.Efficiency!.TotalParameters, cached.Efficiency!.TotalParameters);
    }

    [Fact]
    public void A_frozen_run_resumed_after_its_first_epoch_recomputes_the_features_and_ends_as_an_uninterrupted_run()
    {
        var whole = Train("whole", cache: true);
        Train("parts", cache: true, stopAfter: 1);
        var resumed = Train("parts", cache: true, resume: true);

        Assert.Equal(EpochsOf(whole), EpochsOf(resumed));
        foreach (var (a, b) in resumed.Epochs.Zip(whole.Epochs))
        {
            Assert.Equal(b.TrainLoss, a.TrainLoss, 1e-5);
            Assert.Equal(b.ValLoss, a.ValLoss, 1e-5);
        }
    }

    private static int[] EpochsOf(TrainingResult result) => [.. result.Epochs.Select(h => h.Epoch)];

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private sealed class NullSink : IMetricsSink
    {
        public void Report(MetricRecord record)
        {
        }
    }
}
