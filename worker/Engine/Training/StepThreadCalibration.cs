using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Orchestrator.Shared.Configuration;
using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Clip;
using Orchestrator.Worker.Engine.Data;
using TorchSharp;
using static TorchSharp.torch;
using static System.FormattableString;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>
/// Chooses a CPU trainer's <see cref="StepThreads"/> by timing training steps of the job's own model on one of its
/// batches, forward and backward on all threads and on one, before training starts; the model, the optimizer's state,
/// the gradients and the random generator are left as they were. The choice is cached per model shape, thread count and machine, so every later
/// job of that shape on the machine (a resumed one too) trains with the same split: thread counts change the order
/// of LibTorch's sums, and a run that resumes must compute what the uninterrupted one did.
/// </summary>
public static class StepThreadCalibration
{
    /// <summary>
    /// Rounds of <see cref="StepsPerRound"/> steps each way, alternating; the fastest round of each is compared. Other
    /// work on the machine only ever adds time, so the fastest round is the least disturbed estimate of each, where a
    /// median of three was swayed by a busy spell into choosing one thread for ResNet-50.
    /// </summary>
    public const int Rounds = 4;

    public const int StepsPerRound = 2;

    /// <summary>
    /// Jobs planned for fewer training steps than this read a cached choice but measure none: the trial steps (two
    /// warm-ups and <see cref="Rounds"/> × <see cref="StepsPerRound"/> × 2) could cost more than a split would save.
    /// </summary>
    public const int MinimumStepsToMeasure = 200;

    /// <summary>A step with all threads slower than this is compute-bound: every thread stays, nothing more is timed.</summary>
    public static readonly TimeSpan ComputeBound = TimeSpan.FromMilliseconds(250);

    /// <summary>One thread must be this much faster to be chosen: the default wins where the two are close.</summary>
    public const double Margin = 0.85;

    private const int Version = 1;

    /// <summary>
    /// One thread for forward and backward where its fastest round is under <see cref="Margin"/> times that of all
    /// threads; all threads otherwise. The optimizer keeps all threads.
    /// </summary>
    public static StepThreads Decide(IReadOnlyList<double> allThreadsSeconds, IReadOnlyList<double> oneThreadSeconds, int threads)
    {
        ArgumentNullException.ThrowIfNull(allThreadsSeconds);
        ArgumentNullException.ThrowIfNull(oneThreadSeconds);
        if (threads <= 1 || allThreadsSeconds.Count == 0 || oneThreadSeconds.Count == 0)
        {
            return StepThreads.All(threads);
        }

        return oneThreadSeconds.Min() < Margin * allThreadsSeconds.Min() ? new StepThreads(1, threads) : StepThreads.All(threads);
    }

    /// <summary>
    /// The split for <paramref name="parameters"/>' model on <paramref name="device"/> with <paramref name="threads"/>
    /// threads: all threads on a GPU, with one thread, or with <see cref="EnvironmentVariables.StepThreads"/>=all; else
    /// the cached choice, else one measured on <paramref name="sample"/> now, unless the job is planned for fewer than
    /// <see cref="MinimumStepsToMeasure"/> steps (then all threads, nothing cached).
    /// </summary>
    public static StepThreads Choose(
        JobParameters parameters, ClipModel model, FlatAdamW optimizer, ClipBatch sample, Device device, int threads, Action<string>? log = null, string? cacheDirectory = null,
        long plannedSteps = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(device);
        var mode = Environment.GetEnvironmentVariable(EnvironmentVariables.StepThreads)?.Trim().ToLowerInvariant();
        if (device.type != DeviceType.CPU || threads <= 1 || mode == "all")
        {
            return StepThreads.All(threads);
        }

        var file = CacheFile(parameters, threads, cacheDirectory);
        if (Read(file) is { } cached)
        {
            log?.Invoke($"LibTorch threads: {cached} (measured earlier for this model on this machine: {file})");
            return cached;
        }

        if (plannedSteps < MinimumStepsToMeasure)
        {
            return StepThreads.All(threads);
        }

        var (all, one) = Measure(model, optimizer, sample, device, threads);
        var chosen = Decide(all, one, threads);
        Write(file, chosen);
        log?.Invoke(one.Count == 0
            ? Invariant($"LibTorch threads: {chosen} (a training step took {all[0] * 1000:0} ms: compute-bound)")
            : Invariant($"LibTorch threads: {chosen} (a training step: {one.Min() * 1000:0.0} ms with forward and backward on 1 thread, {all.Min() * 1000:0.0} ms on {threads}; fastest of {Rounds} rounds)"));
        return chosen;
    }

    /// <summary>Step times with all threads and with one for forward and backward; one is empty where the first step was compute-bound.</summary>
    private static (List<double> All, List<double> One) Measure(ClipModel model, FlatAdamW optimizer, ClipBatch sample, Device device, int threads)
    {
        // Whole training steps, as the trainer takes them: the optimizer's passes over every parameter between two
        // forward passes change what the next one finds in the caches. The steps update the parameters, the
        // optimizer's moments and BatchNorm statistics and draw dropout masks; all of it is put back, so the job's
        // numbers do not depend on whether it measured or read the cache.
        var buffers = model.buffers().Select(b => b.detach().clone()).ToList();
        using var generatorState = random.get_rng_state();
        var (all, one) = (new List<double>(), new List<double>());
        var callersThreads = get_num_threads();
        var plans = new[] { StepThreads.All(threads), new StepThreads(1, threads) };
        try
        {
            using var trial = optimizer.TrialScope();
            _ = Step(model, optimizer, sample, device, plans[0]); // first calls: kernel choices, allocations
            var first = Step(model, optimizer, sample, device, plans[0]);
            if (first >= ComputeBound.TotalSeconds)
            {
                all.Add(first);
                return (all, one);
            }

            _ = Step(model, optimizer, sample, device, plans[1]); // one thread's first kernel choices, as the first step made them for all
            for (var round = 0; round < Rounds; round++)
            {
                foreach (var plan in round % 2 == 0 ? plans.Reverse() : plans)
                {
                    var seconds = Enumerable.Range(0, StepsPerRound).Sum(_ => Step(model, optimizer, sample, device, plan)) / StepsPerRound;
                    (plan.Split ? one : all).Add(seconds);
                }
            }

            return (all, one);
        }
        finally
        {
            StepThreads.Use(callersThreads);
            using (no_grad())
            {
                foreach (var (buffer, saved) in model.buffers().Zip(buffers))
                {
                    buffer.copy_(saved);
                    saved.Dispose();
                }
            }

            random.set_rng_state(generatorState);
        }
    }

    private static double Step(ClipModel model, FlatAdamW optimizer, ClipBatch sample, Device device, StepThreads plan)
    {
        var started = Stopwatch.GetTimestamp();
        _ = TrainingStep.Run(model, optimizer, sample, device, plan);
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>
    /// One file per model shape, thread count and machine (a home folder may be shared by several), in
    /// <paramref name="cacheDirectory"/>, else $ORCH_STEP_THREADS_DIR, else the user cache folder's step-threads.
    /// </summary>
    internal static string CacheFile(JobParameters parameters, int threads, string? cacheDirectory = null)
    {
        var key = string.Join('|',
            Version, Environment.MachineName, Environment.ProcessorCount, threads, parameters.Encoder, parameters.ImageSize, parameters.BatchSize,
            parameters.TextEncoder, parameters.TextLayers, parameters.TextWidth, parameters.TextHeads, parameters.MaxLength, parameters.Trainable);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        var folder = cacheDirectory ?? UserFolders.Cache("step-threads", EnvironmentVariables.StepThreadsCacheDirectory);
        // The encoder's name is only there for a person reading the folder: a path or URL in it must not make folders.
        var readable = new string([.. parameters.Encoder.Take(40).Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_')]);
        return Path.Combine(folder, $"{readable}-{hash}.json");
    }

    private static StepThreads? Read(string file)
    {
        try
        {
            return File.Exists(file) && JsonSerializer.Deserialize<StepThreads>(File.ReadAllText(file)) is { ForwardBackward: > 0, Optimizer: > 0 } plan ? plan : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null; // unreadable or damaged: measured again and rewritten
        }
    }

    private static void Write(string file, StepThreads plan)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            // Whole or not at all: two slots measuring the same shape at once each rename a complete file.
            var temporary = $"{file}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(plan));
            File.Move(temporary, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only home: the choice holds for this run and is measured again by the next.
        }
    }
}
