using Orchestrator.Worker.Engine.Benchmark;
using Orchestrator.Worker.Engine.Clip;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Text;
using Orchestrator.Worker.Engine.Training;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>
/// The CPU trainer's thread split: the rule that picks it, trial steps that leave the job's model, optimizer and random
/// generator exactly as they were, and the per-machine cache that makes every later run of the shape use the same split.
/// </summary>
public sealed class StepThreadCalibrationTests : IDisposable
{
    private readonly string cache = Directory.CreateTempSubdirectory("orch-step-threads-").FullName;

    public void Dispose() => Directory.Delete(cache, recursive: true);

    [Theory]
    [InlineData(new[] { 0.040, 0.041, 0.039 }, new[] { 0.030, 0.031, 0.029 }, 2, 1)] // one thread 25 % faster
    [InlineData(new[] { 0.040, 0.041, 0.039 }, new[] { 0.036, 0.037, 0.035 }, 2, 2)] // 10 % faster: within the margin
    [InlineData(new[] { 0.040, 0.041, 0.039 }, new[] { 0.080, 0.081, 0.079 }, 2, 2)] // one thread slower
    [InlineData(new[] { 0.040, 0.500, 0.039 }, new[] { 0.030, 0.031, 0.900 }, 4, 1)] // fastest rounds: a busy spell is ignored
    [InlineData(new[] { 0.090, 0.095, 0.039 }, new[] { 0.036, 0.037, 0.035 }, 2, 2)] // undisturbed, all threads are within the margin
    [InlineData(new[] { 0.040 }, new double[0], 2, 2)] // compute-bound: nothing timed on one thread
    [InlineData(new[] { 0.040 }, new[] { 0.001 }, 1, 1)] // one thread in all: nothing to split
    public void One_thread_for_forward_and_backward_only_where_it_is_clearly_faster(double[] all, double[] one, int threads, int expectedForwardBackward)
    {
        var plan = StepThreadCalibration.Decide(all, one, threads);

        Assert.Equal(expectedForwardBackward, plan.ForwardBackward);
        Assert.Equal(threads, plan.Optimizer);
    }

    private sealed record Setup(Orchestrator.Shared.Specs.JobParameters Parameters, ClipModel Model, FlatAdamW Optimizer, ClipBatch Batch) : IDisposable
    {
        public void Dispose()
        {
            Batch.Dispose();
            Optimizer.Dispose();
            Model.Dispose();
        }
    }

    private static Setup TinyModel(int batch = 4)
    {
        var parameters = OverheadBenchmark.Parameters("tiny_cnn", 32, batch);
        var tokenizer = CaptionVocabulary.Build(Enumerable.Range(0, 50).Select(i => $"w{i}"));
        random.manual_seed(3);
        var model = ClipTrainer.BuildModel(parameters, tokenizer);
        model.train();
        var optimizer = new FlatAdamW(ClipTrainer.ParameterGroups(model, parameters));
        var generator = new Generator(11);
        var images = randn([batch, 3, parameters.ImageSize, parameters.ImageSize], generator: generator);
        var ids = randint(0, tokenizer.VocabularySize, [batch, parameters.MaxLength], generator: generator);
        return new Setup(parameters, model, optimizer, new ClipBatch(images, ids, ones(batch, parameters.MaxLength, dtype: ScalarType.Int64)));
    }

    private static List<Tensor> Snapshot(Setup setup) =>
    [
        .. setup.Model.parameters().Select(p => p.detach().clone()),
        .. setup.Model.buffers().Select(b => b.detach().clone()),
        .. setup.Optimizer.ParamGroups.SelectMany(g => new[] { g.ExpAvg.clone(), g.ExpAvgSq.clone() }),
    ];

    [Fact]
    public void Calibrating_leaves_the_model_the_optimizer_and_the_generator_as_they_were_and_caches_its_choice()
    {
        using var setup = TinyModel();
        // One real step first, so the optimizer has moments and a step count to keep.
        _ = TrainingStep.Run(setup.Model, setup.Optimizer, setup.Batch, CPU);
        var before = Snapshot(setup);
        var steps = setup.Optimizer.ParamGroups.Select(g => g.Steps).ToList();
        using var generatorState = random.get_rng_state();
        var callersThreads = get_num_threads();
        var log = new List<string>();

        var plan = StepThreadCalibration.Choose(setup.Parameters, setup.Model, setup.Optimizer, setup.Batch, CPU, 2, log.Add, cache);

        Assert.Contains(plan, new[] { StepThreads.All(2), new StepThreads(1, 2) });
        Assert.Equal(callersThreads, get_num_threads());
        var after = Snapshot(setup);
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++)
        {
            Assert.True(before[i].equal(after[i]).all().item<bool>(), $"tensor {i} of the snapshot changed");
        }

        Assert.Equal(steps, setup.Optimizer.ParamGroups.Select(g => g.Steps));
        Assert.All(setup.Optimizer.ParamGroups, g => Assert.Equal(0, g.Gradients.abs().sum().item<float>()));
        using var drawn = rand(8);
        random.set_rng_state(generatorState);
        using var expected = rand(8);
        Assert.True(drawn.equal(expected).all().item<bool>(), "the trial steps' dropout draws were not put back");
        var measured = Assert.Single(log);
        Assert.StartsWith("LibTorch threads: ", measured, StringComparison.Ordinal);
        Assert.Contains($"fastest of {StepThreadCalibration.Rounds} rounds", measured, StringComparison.Ordinal);

        // The next job of this shape on this machine reads the choice instead of measuring.
        var file = Assert.Single(Directory.GetFiles(cache));
        Assert.Equal(StepThreadCalibration.CacheFile(setup.Parameters, 2, cache), file);
        var again = StepThreadCalibration.Choose(setup.Parameters, setup.Model, setup.Optimizer, setup.Batch, CPU, 2, log.Add, cache);
        Assert.Equal(plan, again);
        Assert.Contains("measured earlier for this model on this machine", log[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_cache_file_is_measured_again_and_rewritten()
    {
        using var setup = TinyModel();
        var file = StepThreadCalibration.CacheFile(setup.Parameters, 2, cache);
        File.WriteAllText(file, "{\"ForwardBackward\":");
        var log = new List<string>();

        var plan = StepThreadCalibration.Choose(setup.Parameters, setup.Model, setup.Optimizer, setup.Batch, CPU, 2, log.Add, cache);

        Assert.DoesNotContain("measured earlier", Assert.Single(log), StringComparison.Ordinal);
        Assert.Equal(plan, System.Text.Json.JsonSerializer.Deserialize<StepThreads>(File.ReadAllText(file)));
        Assert.Empty(Directory.GetFiles(cache, "*.tmp"));
    }

    [Fact]
    public void One_thread_in_all_is_never_split_and_nothing_is_cached()
    {
        using var setup = TinyModel();

        var plan = StepThreadCalibration.Choose(setup.Parameters, setup.Model, setup.Optimizer, setup.Batch, CPU, 1, null, cache);

        Assert.Equal(StepThreads.All(1), plan);
        Assert.Empty(Directory.GetFiles(cache));
    }

    [Fact]
    public void A_short_job_measures_nothing_but_reads_a_choice_cached_by_a_longer_one()
    {
        using var setup = TinyModel();
        var log = new List<string>();

        var shortJob = StepThreadCalibration.Choose(
            setup.Parameters, setup.Model, setup.Optimizer, setup.Batch, CPU, 2, log.Add, cache, plannedSteps: StepThreadCalibration.MinimumStepsToMeasure - 1);

        Assert.Equal(StepThreads.All(2), shortJob);
        Assert.Empty(log);
        Assert.Empty(Directory.GetFiles(cache));

        File.WriteAllText(StepThreadCalibration.CacheFile(setup.Parameters, 2, cache), System.Text.Json.JsonSerializer.Serialize(new StepThreads(1, 2)));
        var afterALongJob = StepThreadCalibration.Choose(setup.Parameters, setup.Model, setup.Optimizer, setup.Batch, CPU, 2, log.Add, cache, plannedSteps: 10);

        Assert.Equal(new StepThreads(1, 2), afterALongJob);
        Assert.Contains("measured earlier", Assert.Single(log), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_model_shape_and_thread_count_has_its_own_cache_file_named_safely()
    {
        var parameters = OverheadBenchmark.Parameters("tiny_cnn", 32, 4);
        var file = StepThreadCalibration.CacheFile(parameters, 2, cache);

        Assert.Equal(file, StepThreadCalibration.CacheFile(parameters with { }, 2, cache));
        Assert.NotEqual(file, StepThreadCalibration.CacheFile(parameters, 4, cache));
        Assert.NotEqual(file, StepThreadCalibration.CacheFile(parameters with { BatchSize = 8 }, 2, cache));
        Assert.NotEqual(file, StepThreadCalibration.CacheFile(parameters with { ImageSize = 64 }, 2, cache));
        Assert.NotEqual(file, StepThreadCalibration.CacheFile(parameters with { TextLayers = 2 }, 2, cache));
        var odd = StepThreadCalibration.CacheFile(parameters with { Encoder = "../models/tower.onnx" }, 2, cache);
        Assert.Equal(cache, Path.GetDirectoryName(odd));
        Assert.StartsWith("___models_tower_onnx-", Path.GetFileName(odd), StringComparison.Ordinal);
    }

    [Fact]
    public void A_split_step_trains_and_leaves_libtorch_at_the_optimizer_s_thread_count()
    {
        using var setup = TinyModel();
        var callersThreads = get_num_threads();
        var first = setup.Model.parameters().First().detach().clone();
        try
        {
            var loss = TrainingStep.Run(setup.Model, setup.Optimizer, setup.Batch, CPU, new StepThreads(1, 2));

            Assert.True(float.IsFinite(loss));
            Assert.Equal(2, get_num_threads());
            Assert.False(first.equal(setup.Model.parameters().First()).all().item<bool>(), "the step changed no parameter");
        }
        finally
        {
            set_num_threads(callersThreads);
        }
    }
}
