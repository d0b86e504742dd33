using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Training;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>End-to-end training on the synthetic set with the tiny CNN and small transformer, on CPU.</summary>
public sealed class TrainingTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "orch-engine-" + Guid.NewGuid().ToString("N"));

    /// <summary>
    /// From-scratch settings that learn (DESIGN.md §6): InfoNCE, every learning rate 1e-3; the real-data test takes
    /// these and changes only the sizes.
    /// </summary>
    public static JobDefinition SmallJob(int epochs = 4) => new(
        new JobParameters
        {
            Encoder = "tiny_cnn",
            TextEncoder = "small-transformer",
            Pretrained = false,
            Loss = "infonce",
            HeadLr = 1e-3,
            ImageEncoderLr = 1e-3,
            TextEncoderLr = 1e-3,
            Epochs = epochs,
            BatchSize = 32,
            NumWorkers = 2,
            ImageSize = 32,
            MaxLength = 24,
            TextLayers = 1,
            TextWidth = 64,
            TextHeads = 2,
            ProjectionDim = 64,
            Seed = 7,
        },
        new DatasetSpec { Format = "synthetic", SyntheticImages = 240, CaptionsPerImage = 3, ValFraction = 0.2, SplitSeed = 5 });

    [Fact]
    public void Training_reduces_the_loss_and_retrieves_held_out_images_well_above_chance()
    {
        var sink = new RecordingSink();
        var result = new ClipTrainer(SmallJob(), new TrainingOptions(directory) { EfficiencyRuns = 2 }, sink).Run();

        Assert.True(result.Completed);
        Assert.Equal(4, result.EpochsCompleted);
        Assert.True(result.Epochs[^1].TrainLoss < result.Epochs[0].TrainLoss * 0.8, $"train loss {result.Epochs[0].TrainLoss} → {result.Epochs[^1].TrainLoss}");
        const double valImages = 48;
        var chance = 1 / valImages;
        Assert.True(result.Retrieval!.TextToImage.R1 >= 5 * chance, $"t2i R@1 {result.Retrieval.TextToImage.R1} vs chance {chance}");
        Assert.True(result.Retrieval.TextToImage.R10 >= result.Retrieval.TextToImage.R1);

        var efficiency = result.Efficiency!;
        Assert.Equal(efficiency.TotalParameters, efficiency.ImageTowerParameters + efficiency.TextTowerParameters + efficiency.HeadParameters);
        Assert.True(efficiency.ImageTowerLatencyMsBatch1 > 0 && efficiency.ImageTowerImagesPerSecondBatch64 > 0 && efficiency.TrainImagesPerSecond > 0);
        Assert.True(efficiency.PeakMemoryBytes > 0);
        Assert.Equal(4, result.EpochSeconds.Count);

        Assert.Equal(4, sink.Records.Count(r => r.Kind == MetricRecord.EpochKind));
        Assert.Contains(sink.Records, r => r.Kind == MetricRecord.StepKind && r.Values[MetricCatalog.TrainImagesPerSecond.Key] > 0);
        Assert.True(File.Exists(Path.Combine(directory, TrainerLayout.CheckpointFolder, "last", "model.dat")));
        Assert.True(File.Exists(Path.Combine(directory, TrainerLayout.CheckpointFolder, "best", "model.dat")));
    }

    [Fact]
    public void Resuming_after_one_epoch_gives_the_same_second_epoch_as_an_uninterrupted_run()
    {
        var job = SmallJob(epochs: 2) with { Dataset = SmallJob().Dataset with { SyntheticImages = 120 } };
        var straight = new ClipTrainer(job, new TrainingOptions(Path.Combine(directory, "straight")) { EfficiencyRuns = 1 }, new RecordingSink()).Run();

        var resumedDirectory = Path.Combine(directory, "resumed");
        var first = new ClipTrainer(job, new TrainingOptions(resumedDirectory) { StopAfterEpochs = 1 }, new RecordingSink()).Run();
        var resumed = new ClipTrainer(job, new TrainingOptions(resumedDirectory) { Resume = true, EfficiencyRuns = 1 }, new RecordingSink()).Run();

        Assert.False(first.Completed);
        Assert.True(resumed.Completed);
        Assert.Equal(straight.Epochs[0].TrainLoss, first.Epochs[0].TrainLoss, 1e-6);
        Assert.Equal(straight.TrainLoss, resumed.TrainLoss, 1e-4);
        Assert.Equal(straight.ValLoss, resumed.ValLoss, 1e-4);
        Assert.Equal(straight.Retrieval!.TextToImage.MeanRank, resumed.Retrieval!.TextToImage.MeanRank, 1e-6);
    }

    [Fact]
    public void An_epoch_whose_report_failed_is_trained_again_on_resume_so_every_epoch_is_reported()
    {
        // A trainer whose agent died fails on its next report (its stdout is gone). The epoch it was reporting must
        // not be in the checkpoint, or the resumed run would start after it and nobody would ever report it.
        var job = SmallJob(epochs: 3) with { Dataset = SmallJob().Dataset with { SyntheticImages = 120 } };
        var failing = new RecordingSink { FailAtEpoch = 2 };
        Assert.Throws<IOException>(() => new ClipTrainer(job, new TrainingOptions(directory), failing).Run());
        var resumedSink = new RecordingSink();
        var resumed = new ClipTrainer(job, new TrainingOptions(directory) { Resume = true, EfficiencyRuns = 1 }, resumedSink).Run();

        Assert.True(resumed.Completed);
        Assert.Equal([1], EpochsOf(failing));
        Assert.Equal([2, 3], EpochsOf(resumedSink));
    }

    [Fact]
    public void A_diverging_loss_stops_the_job_with_a_diverged_error()
    {
        // The study's loss without normalisation at an absurd learning rate overflows within a few steps.
        var job = SmallJob(epochs: 3) with
        {
            Parameters = SmallJob().Parameters with { Loss = "study", HeadLr = 1e6, ImageEncoderLr = 1e6, TextEncoderLr = 1e6, Temperature = 0.01 },
            Dataset = SmallJob().Dataset with { SyntheticImages = 80 },
        };

        var error = Assert.Throws<TrainingDivergedException>(() => new ClipTrainer(job, new TrainingOptions(directory), new RecordingSink()).Run());
        Assert.StartsWith("diverged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Frozen_towers_keep_their_weights_while_the_heads_train()
    {
        var job = SmallJob(epochs: 1) with
        {
            Parameters = SmallJob().Parameters with { Trainable = false },
            Dataset = SmallJob().Dataset with { SyntheticImages = 80 },
        };
        new ClipTrainer(job, new TrainingOptions(directory) { EfficiencyRuns = 1 }, new RecordingSink()).Run();

        // The trainer seeds torch with the job's seed right after loading the data, then builds the model.
        var data = JobData.Load(job);
        random.manual_seed(job.Parameters.Seed);
        using var initial = ClipTrainer.BuildModel(job.Parameters, data.Tokenizer);
        using var trained = ClipTrainer.BuildModel(job.Parameters, data.Tokenizer);
        trained.load(Path.Combine(directory, TrainerLayout.CheckpointFolder, "last", "model.dat"));

        var after = trained.state_dict();
        var changed = initial.state_dict()
            .Where(p => p.Value.dtype == ScalarType.Float32 && !p.Value.eq(after[p.Key]).all().item<bool>())
            .Select(p => p.Key.Split('.')[0])
            .Distinct()
            .Order()
            .ToArray();
        Assert.Equal(new[] { "image_projection", "loss", "text_projection" }, changed);
    }

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static List<int> EpochsOf(RecordingSink sink) => [.. sink.Records.Where(r => r.Kind == MetricRecord.EpochKind).Select(r => r.Epoch)];

    private sealed class RecordingSink : IMetricsSink
    {
        public List<MetricRecord> Records { get; } = [];

        /// <summary>The epoch whose report throws, as a write to a closed stdout does.</summary>
        public int? FailAtEpoch { get; init; }

        public void Report(MetricRecord record)
        {
            if (record.Kind == MetricRecord.EpochKind && record.Epoch == FailAtEpoch)
            {
                throw new IOException("Broken pipe");
            }

            Records.Add(record);
        }
    }
}
