using System.Globalization;
using Orchestrator.Worker.Engine.Benchmark;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Commands;

/// <summary>
/// `orch-worker bench [--encoders a,b] [--size 224] [--batch 16] [--steps 3] [--threads N] [--device cpu|cuda]
/// [--pipeline-encoder NAME|none]`: per encoder, training and inference images/s beside the machine's measured
/// fp32 matmul rate, then the training-step time with the real data pipeline against pre-loaded tensors
/// (`none` skips it, for scripts that alternate encoders with a reference).
/// `bench --decode …` measures image decoding instead (<see cref="DecodeBenchCommand"/>).
/// </summary>
public static class BenchCommand
{
    public static int Run(IEnumerable<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var arguments = args.ToList();
        if (arguments.Contains(DecodeBenchCommand.Flag))
        {
            return DecodeBenchCommand.Run(arguments, output, error);
        }

        CommandArguments options;
        try
        {
            options = new CommandArguments(
                arguments,
                new HashSet<string> { "--encoders", "--size", "--batch", "--steps", "--threads", "--device", "--pipeline-encoder", "--workers" },
                new HashSet<string>());
        }
        catch (ArgumentException e)
        {
            error.WriteLine(e.Message);
            return TrainCommand.InvalidInput;
        }

        var size = options.GetInt("--size", 224);
        var batch = options.GetInt("--batch", 16);
        var steps = options.GetInt("--steps", 3);
        torch.set_num_threads(options.GetInt("--threads", Environment.ProcessorCount));
        var device = options.Get("--device") == "cuda" && cuda.is_available() ? CUDA : CPU;
        var encoders = options.Get("--encoders")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            ?? [.. EncoderBenchmark.Encoders];
        var unknown = encoders.Where(e => !EncoderBenchmark.Encoders.Contains(e)).ToList();
        if (unknown.Count > 0)
        {
            error.WriteLine($"--encoders: no benchmark for {string.Join(", ", unknown)}; the benchmarked towers are {string.Join(", ", EncoderBenchmark.Encoders)}");
            return TrainCommand.InvalidInput;
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
            var encoderSize = encoder == "inception_v3" && !options.Has("--size") ? 299 : size;
            Engine.TorchRuntime.UseOneDnnAsFor(encoder);
            var r = EncoderBenchmark.Measure(encoder, encoderSize, batch, steps, matmul, device);
            output.WriteLine(Invariant($"| {r.Encoder} | {r.ImageSize} | {r.Batch} | {(Engine.TorchRuntime.OneDnnDisabled ? "off" : "on")} | {r.TrainImagesPerSecond:0.0} | {r.InferenceImagesPerSecond:0.0} | {r.ForwardGflopsPerImage:0.00} | {r.TrainFractionOfMatmul:P1} | {r.InferenceFractionOfMatmul:P1} |"));
        }

        var pipelineEncoder = options.Get("--pipeline-encoder") ?? "mobilenet_v3_small";
        if (pipelineEncoder == "none")
        {
            return 0;
        }

        Engine.TorchRuntime.UseOneDnnAsFor(pipelineEncoder);
        // At least 12 steps: prefetching starts with a burst of batches built at once, which a few steps would overweight.
        var p = PipelineBenchmark.Measure(pipelineEncoder, size, batch, Math.Max(steps, 12), options.GetInt("--workers", 4), device);
        output.WriteLine(Invariant($"data pipeline ({p.Encoder}, {p.ImageSize} px, batch {p.Batch}): step {p.PipelineStepSeconds * 1000:0.0} ms with the pipeline, {p.PreloadedStepSeconds * 1000:0.0} ms on pre-loaded tensors, overhead {p.Overhead:P1}"));
        return 0;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
