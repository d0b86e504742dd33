using System.CommandLine;
using Orchestrator.Worker.Engine.Benchmark;
using TorchSharp;
using static TorchSharp.torch;
using static System.FormattableString;

namespace Orchestrator.Worker.Commands;

/// <summary>
/// `orch-worker bench --overhead [--encoders a,b] [--size 32] [--batch 2] [--steps 20] [--overhead-rounds 5] [--warmup-steps 3] [--threads N]
/// [--device cpu|cuda]`: per encoder, the trainer's CLIP step where compute is negligible, so what is timed is the host's
/// work per operation, and the AdamW step alone on the same parameters (<see cref="OverheadBenchmark"/>).
/// infra/bench/compare_overhead.py runs it against its PyTorch twin. The mode's own options live on the bench command
/// (<see cref="BenchCommand"/>), which runs this when --overhead is given; --encoders, --size, --batch, --steps,
/// --threads and --device are shared with the tower benchmark.
/// </summary>
public sealed class OverheadBenchCommand
{
    public Option<bool> Overhead { get; } = new("--overhead") { Description = "time overhead-bound training steps (32 px, batch 2) and the optimizer step alone instead" };

    private readonly Option<int> rounds = new("--overhead-rounds") { Description = "with --overhead: rounds of --steps steps; medians over rounds are reported", DefaultValueFactory = _ => 5 };

    // Steady state is what a training run lives in: .NET compiles a method's optimised code only after ~30 calls,
    // so a step called once per step needs more than three warm-ups before it runs as it will for the rest of a job.
    private readonly Option<int> warmup = new("--warmup-steps") { Description = "with --overhead: untimed steps before the first round (PyTorch's twin takes as many)", DefaultValueFactory = _ => 3 };

    /// <summary>The options only the overhead mode has.</summary>
    public IReadOnlyList<Option> ModeOnly => [rounds, warmup];

    public void AddTo(Command bench)
    {
        ArgumentNullException.ThrowIfNull(bench);
        bench.Options.Add(Overhead);
        bench.Options.Add(rounds);
        bench.Options.Add(warmup);
    }

    public int Run(ParseResult parse, IReadOnlyList<string> encoders, OverheadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(encoders);
        ArgumentNullException.ThrowIfNull(settings);
        var output = parse.InvocationConfiguration.Output;
        var roundCount = parse.GetValue(rounds);
        var warmupSteps = parse.GetValue(warmup);
        if (roundCount < 1 || settings.Steps < 1 || settings.Batch < 2 || warmupSteps < 0)
        {
            // Batch 2 at least: the contrastive loss of one pair is constant and trains nothing.
            parse.InvocationConfiguration.Error.WriteLine("--overhead needs --overhead-rounds ≥ 1, --steps ≥ 1, --warmup-steps ≥ 0 and --batch ≥ 2");
            return Agent.TrainerExitCode.Usage;
        }

        torch.set_num_threads(settings.Threads);
        var device = settings.Device == "cuda" && cuda.is_available() ? CUDA : CPU;
        // As the trainer's process and thread have them.
        Engine.GlibcHeap.KeepFreedMemory();
        Engine.TorchRuntime.FlushDenormalsOnThisThread();
        var sample = OverheadBenchmark.Parameters(encoders[0], settings.Size, settings.Batch);
        output.WriteLine(
            Invariant($"device {device}, {torch.get_num_threads()} threads; overhead-bound CLIP step (forward, {sample.Loss} loss, backward, AdamW over the trainer's parameter groups), ") +
            Invariant($"{settings.Size} px, batch {settings.Batch}, {sample.TextEncoder} text tower ({sample.TextLayers} layer, width {sample.TextWidth}, {sample.TextHeads} heads, {sample.MaxLength} tokens, ") +
            Invariant($"{OverheadBenchmark.VocabularyWords} words); medians of {roundCount} rounds of {settings.Steps} steps after {warmupSteps} warm-up steps"));
        output.WriteLine("| encoder | px | batch | parameter tensors (image tower) | ms/step | ms/optimizer step | LibTorch calls/optimizer step | before: ms/step with TorchSharp's AdamW | before: ms/optimizer step | before: calls/optimizer step (from AdamW's source) | threads: forward+backward · optimizer |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var encoder in encoders)
        {
            using var oneDnn = Engine.TorchRuntime.OneDnnAsFor(encoder);
            var r = OverheadBenchmark.Measure(OverheadBenchmark.Parameters(encoder, settings.Size, settings.Batch), settings.Steps, roundCount, device, parse.InvocationConfiguration.Error.WriteLine, warmupSteps);
            output.WriteLine(Invariant(
                $"| {r.Encoder} | {r.ImageSize} | {r.Batch} | {r.ParameterTensors} ({r.ImageTowerTensors}) | {r.StepSeconds * 1000:0.00} | {r.OptimizerStepSeconds * 1000:0.000} | {r.OptimizerCallsPerStep} | ") +
                Invariant($"{r.TorchSharpStepSeconds * 1000:0.00} | {r.TorchSharpOptimizerStepSeconds * 1000:0.000} | {r.TorchSharpCallsPerStep} | {r.Threads.ForwardBackward} · {r.Threads.Optimizer} |"));
        }

        return 0;
    }
}

/// <summary>The tower benchmark's options as the overhead mode reads them, its own defaults applied.</summary>
public sealed record OverheadSettings(int Size, int Batch, int Steps, int Threads, string Device);
