using System.CommandLine;
using Orchestrator.Worker.Agent;
using Orchestrator.Worker.Engine.Benchmark;
using TorchSharp;
using static TorchSharp.torch;
using static System.FormattableString;

namespace Orchestrator.Worker.Commands;

/// <summary>
/// `orch-worker bench [--encoders a,b] [--size 224] [--batch 16] [--steps 3] [--threads N] [--device cpu|cuda]
/// [--pipeline-encoder NAME|none]`: per encoder, training and inference images/s beside the machine's measured
/// fp32 matmul rate, then the training-step time with the real data pipeline against pre-loaded tensors
/// (`none` skips it, for scripts that alternate encoders with a reference).
/// `bench --decode …` measures image decoding instead (<see cref="DecodeBenchCommand"/>); `bench --overhead …` the
/// host overhead of a training step where compute is negligible (<see cref="OverheadBenchCommand"/>).
/// `bench --onnx FILE [--onnx-reference resnet18] [--onnx-rounds 7]` times training steps of an imported ONNX image
/// model against a built-in torchvision port, alternating, and prints the ratio of the medians.
/// </summary>
public static class BenchCommand
{
    public const string Name = "bench";

    public static Command Create()
    {
        var encoders = new Option<string?>("--encoders") { Description = $"comma-separated towers (default: all: {string.Join(",", EncoderBenchmark.Encoders)})" };
        var size = new Option<int?>("--size") { Description = "image size in px (default 224, inception_v3 299; with --overhead 32, inception_v3 75)" };
        var batch = new Option<int?>("--batch") { Description = "batch size (default 16; with --decode 32; with --overhead 2)" };
        var steps = new Option<int?>("--steps") { Description = "timed steps after three warm-up steps (default 3; with --overhead 20 per round)" };
        var threads = new Option<int>("--threads") { Description = "threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var device = new Option<string>("--device") { Description = "cpu or cuda (CPU when CUDA is not available)", DefaultValueFactory = _ => "cpu" };
        device.AcceptOnlyFromAmong("cpu", "cuda");
        var pipelineEncoder = new Option<string>("--pipeline-encoder") { Description = "tower whose step is timed with the data pipeline; none skips it", DefaultValueFactory = _ => "mobilenet_v3_small" };
        var workers = new Option<int>("--workers") { Description = "data pipeline workers", DefaultValueFactory = _ => 4 };
        var onnx = new Option<string?>("--onnx") { Description = "an ONNX image model to time in training against --onnx-reference (e.g. from infra/onnx/export_torchvision_resnet18.py --with-weights)" };
        var onnxReference = new Option<string>("--onnx-reference") { Description = "built-in torchvision port the ONNX model is compared with", DefaultValueFactory = _ => "resnet18" };
        var rounds = new Option<int>("--onnx-rounds") { Description = "with --onnx: alternating rounds of --steps steps per model; medians are compared", DefaultValueFactory = _ => 7 };
        var decode = new DecodeBenchCommand();
        var overhead = new OverheadBenchCommand();
        var command = new Command(Name, "Time training and inference of each image tower against the machine's matmul rate, then the data pipeline.\n" +
                                        "With --decode, time image decoding against djpeg instead; with --overhead, the host overhead of training steps.\n" +
                                        "Example: orch-worker bench --encoders resnet18,mobilenet_v2 --batch 8")
        {
            encoders, size, batch, steps, threads, device, pipelineEncoder, workers, onnx, onnxReference, rounds,
        };
        decode.AddTo(command);
        overhead.AddTo(command);
        // One command, three modes: an option of another mode is a mistake to point out, not to ignore.
        var towerOnly = new Option[] { pipelineEncoder, workers, onnx, onnxReference, rounds };
        var sharedWithOverhead = new Option[] { encoders, size, steps, device };
        command.Validators.Add(result =>
        {
            var (mode, foreign) = (result.GetValue(decode.Decode), result.GetValue(overhead.Overhead)) switch
            {
                (true, true) => (" --decode", [overhead.Overhead]),
                (true, false) => (" --decode", [.. towerOnly, .. sharedWithOverhead, .. overhead.ModeOnly]),
                (false, true) => (" --overhead", [.. towerOnly, .. decode.ModeOnly]),
                _ => (string.Empty, decode.ModeOnly.Concat(overhead.ModeOnly).ToArray()),
            };
            foreach (var option in foreign.Where(o => result.GetResult(o) is { Implicit: false }))
            {
                result.AddError($"{option.Name} is not an option of `orch-worker bench{mode}`");
            }
        });
        command.SetAction(parse => parse.GetValue(decode.Decode)
            ? decode.Run(parse, parse.GetValue(threads), parse.GetValue(batch) ?? 32)
            : parse.GetValue(overhead.Overhead)
            ? RunOverhead(parse, overhead, parse.GetValue(encoders), new OverheadSettings(parse.GetValue(size) ?? 32, parse.GetValue(batch) ?? 2, parse.GetValue(steps) ?? 20, parse.GetValue(threads), parse.GetValue(device)!))
            : parse.GetValue(onnx) is { } onnxFile
            ? RunOnnx(
                new OnnxBenchArguments(onnxFile, parse.GetValue(onnxReference)!, parse.GetValue(size) ?? 112, parse.GetValue(batch) ?? 8, parse.GetValue(steps) ?? 3, parse.GetValue(rounds), parse.GetValue(threads), parse.GetValue(device)!),
                parse.InvocationConfiguration.Output,
                parse.InvocationConfiguration.Error)
            : Run(
                new BenchArguments(parse.GetValue(encoders), parse.GetValue(size), parse.GetValue(batch) ?? 16, parse.GetValue(steps) ?? 3, parse.GetValue(threads), parse.GetValue(device)!, parse.GetValue(pipelineEncoder)!, parse.GetValue(workers)),
                parse.InvocationConfiguration.Output,
                parse.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>`orch-worker bench ARGS` in this process, through the same command line.</summary>
    public static int Run(IEnumerable<string> args, TextWriter output, TextWriter error) => WorkerCli.Run([Name, .. args], output, error);

    private static int Run(BenchArguments options, TextWriter output, TextWriter error)
    {
        var size = options.Size ?? 224;
        var batch = options.Batch;
        var steps = options.Steps;
        torch.set_num_threads(options.Threads);
        var device = options.Device == "cuda" && cuda.is_available() ? CUDA : CPU;
        if (ParseEncoders(options.Encoders, error) is not { } encoders)
        {
            return TrainerExitCode.Usage;
        }

        if (device.type == DeviceType.CUDA)
        {
            Engine.TorchRuntime.AllowTf32(); // as the trainer does on CUDA
        }

        // As the trainer's process and thread have them.
        var heapKept = Engine.GlibcHeap.KeepFreedMemory();
        Engine.TorchRuntime.FlushDenormalsOnThisThread();

        // A 1024² product keeps a CPU busy but leaves a data-centre GPU mostly idle (an H100 then "exceeds" 100 %).
        var matmulSize = device.type == DeviceType.CUDA ? 8192 : 1024;
        var matmul = MatmulProbe.GigaflopsPerSecond(device, matmulSize);
        output.WriteLine(Invariant($"device {device}, {torch.get_num_threads()} threads, fp32 matmul {matmul:0.0} GFLOP/s ({matmulSize}×{matmulSize}), freed memory {(heapKept ? "kept in the process" : "returned to the kernel (glibc defaults)")}"));
        output.WriteLine(Invariant($"| encoder | px | batch | oneDNN | train img/s | inference img/s | fwd GFLOP/img | train % of matmul | inference % of matmul |"));
        output.WriteLine("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var encoder in encoders)
        {
            // Inception is measured at its native 299 px (as the PyTorch reference was) unless a size is given.
            var encoderSize = encoder == "inception_v3" && options.Size is null ? 299 : size;
            using var oneDnn = Engine.TorchRuntime.OneDnnAsFor(encoder);
            var r = EncoderBenchmark.Measure(encoder, encoderSize, batch, steps, matmul, device);
            output.WriteLine(Invariant($"| {r.Encoder} | {r.ImageSize} | {r.Batch} | {(Engine.TorchRuntime.OneDnnDisabled ? "off" : "on")} | {r.TrainImagesPerSecond:0.0} | {r.InferenceImagesPerSecond:0.0} | {r.ForwardGflopsPerImage:0.00} | {r.TrainFractionOfMatmul:P1} | {r.InferenceFractionOfMatmul:P1} |"));
        }

        var pipelineEncoder = options.PipelineEncoder;
        if (pipelineEncoder == "none")
        {
            return 0;
        }

        using var pipelineOneDnn = Engine.TorchRuntime.OneDnnAsFor(pipelineEncoder);
        // At least 12 steps: prefetching starts with a burst of batches built at once, which a few steps would overweight.
        var p = PipelineBenchmark.Measure(pipelineEncoder, size, batch, Math.Max(steps, 12), options.Workers, device);
        output.WriteLine(Invariant($"data pipeline ({p.Encoder}, {p.ImageSize} px, batch {p.Batch}): step {p.PipelineStepSeconds * 1000:0.0} ms with the pipeline, {p.PreloadedStepSeconds * 1000:0.0} ms on pre-loaded tensors, overhead {p.Overhead:P1}"));
        return 0;
    }

    private static int RunOverhead(ParseResult parse, OverheadBenchCommand overhead, string? encoderList, OverheadSettings settings) =>
        ParseEncoders(encoderList, parse.InvocationConfiguration.Error) is { } encoders
            ? overhead.Run(parse, encoders, settings)
            : TrainerExitCode.Usage;

    /// <summary>The towers --encoders names (all benchmarked ones when absent), or null after saying which are unknown.</summary>
    private static List<string>? ParseEncoders(string? list, TextWriter error)
    {
        var encoders = list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()
            ?? [.. EncoderBenchmark.Encoders];
        var unknown = encoders.Where(e => !EncoderBenchmark.Encoders.Contains(e)).ToList();
        if (unknown.Count > 0 || encoders.Count == 0)
        {
            error.WriteLine($"--encoders: no benchmark for {(unknown.Count > 0 ? string.Join(", ", unknown) : "an empty list")}; the benchmarked towers are {string.Join(", ", EncoderBenchmark.Encoders)}");
            return null;
        }

        return encoders;
    }

    private static int RunOnnx(OnnxBenchArguments options, TextWriter output, TextWriter error)
    {
        if (!File.Exists(options.File))
        {
            error.WriteLine($"--onnx: {options.File} does not exist");
            return TrainerExitCode.Usage;
        }

        if (!Engine.Networks.Weights.TorchvisionClassifiers.Names.Contains(options.Reference))
        {
            error.WriteLine($"--onnx-reference: {options.Reference} is not a built-in torchvision port; known: {string.Join(", ", Engine.Networks.Weights.TorchvisionClassifiers.Names)}");
            return TrainerExitCode.Usage;
        }

        torch.set_num_threads(options.Threads);
        var device = options.Device == "cuda" && cuda.is_available() ? CUDA : CPU;
        Engine.GlibcHeap.KeepFreedMemory();
        Engine.TorchRuntime.FlushDenormalsOnThisThread();
        // One oneDNN setting for both models: the reference's, as a training run of it would have.
        using var oneDnn = Engine.TorchRuntime.OneDnnAsFor(options.Reference);
        output.WriteLine(Invariant($"device {device}, {torch.get_num_threads()} threads; training step (forward + backward + AdamW), batch {options.Batch}, {options.Size} px, {options.Rounds} rounds of {options.Steps} steps"));
        try
        {
            var r = OnnxTrainingBenchmark.Measure(options.File, options.Reference, options.Size, options.Batch, options.Steps, options.Rounds, device, output.WriteLine);
            output.WriteLine(Invariant($"imported {Path.GetFileName(r.OnnxFile)}: {r.OnnxStepSeconds * 1000:0.0} ms/step; built-in {r.Reference}: {r.ReferenceStepSeconds * 1000:0.0} ms/step (medians); ratio {r.Ratio:0.000}"));
            return 0;
        }
        catch (Engine.Onnx.OnnxImportException e)
        {
            error.WriteLine(e.Message);
            return TrainerExitCode.Usage;
        }
    }

    /// <summary>The parsed command line of an ONNX-against-built-in benchmark.</summary>
    private sealed record OnnxBenchArguments(string File, string Reference, int Size, int Batch, int Steps, int Rounds, int Threads, string Device);

    /// <summary>The parsed command line of one tower benchmark.</summary>
    private sealed record BenchArguments(string? Encoders, int? Size, int Batch, int Steps, int Threads, string Device, string PipelineEncoder, int Workers);
}
