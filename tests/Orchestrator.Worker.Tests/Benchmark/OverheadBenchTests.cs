using System.Globalization;
using Orchestrator.Worker.Agent;
using Orchestrator.Worker.Commands;
using Orchestrator.Worker.Engine.Benchmark;

namespace Orchestrator.Worker.Tests.Benchmark;

/// <summary>`orch-worker bench --overhead`: its options belong to their mode, and a tiny run prints a row per encoder.</summary>
public sealed class OverheadBenchTests
{
    [Fact]
    public void A_tiny_overhead_run_prints_one_row_with_the_step_the_optimizer_and_its_tensors()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var oneDnnDisabled = Orchestrator.Worker.Engine.TorchRuntime.OneDnnDisabled;

        var code = BenchCommand.Run(["--overhead", "--encoders", "mobilenet_v3_small", "--overhead-rounds", "1", "--steps", "2", "--warmup-steps", "1"], output, error);

        Assert.True(code == 0, error.ToString());
        // The tower's oneDNN setting held for its measurement only: later tests' towers get the process's own again.
        Assert.Equal(oneDnnDisabled, Orchestrator.Worker.Engine.TorchRuntime.OneDnnDisabled);
        var lines = output.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("32 px, batch 2, small-transformer text tower", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("medians of 1 rounds of 2 steps after 1 warm-up steps", StringComparison.Ordinal));
        var row = Assert.Single(lines, l => l.StartsWith("| mobilenet_v3_small | 32 | 2 |", StringComparison.Ordinal));
        var cells = row.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
        var tensors = int.Parse(cells[3].Split(' ')[0], CultureInfo.InvariantCulture);
        var imageTowerTensors = int.Parse(cells[3].Split(' ')[1].Trim('(', ')'), CultureInfo.InvariantCulture);
        Assert.InRange(imageTowerTensors, 1, tensors - 1); // the text tower and heads are stepped too
        Assert.True(double.Parse(cells[4], CultureInfo.InvariantCulture) > 0, row);
        Assert.True(double.Parse(cells[5], CultureInfo.InvariantCulture) > 0, row);
        // The study loss has no parameters: three groups, each fused on the CPU (the step count's fill and the kernel), whatever the tensors.
        Assert.Equal(6, int.Parse(cells[6], CultureInfo.InvariantCulture));
        Assert.True(double.Parse(cells[7], CultureInfo.InvariantCulture) > 0, row);
        Assert.True(double.Parse(cells[8], CultureInfo.InvariantCulture) > 0, row);
        Assert.Equal(OverheadBenchmarkResult.AdamWCallsPerTensor * tensors, int.Parse(cells[9], CultureInfo.InvariantCulture));
        // The trainer's thread split, as it measured or cached it: forward and backward on one thread or on all, the optimizer on all.
        var all = Environment.ProcessorCount;
        Assert.Contains(cells[10], new[] { $"{all} · {all}", $"1 · {all}" });
        Assert.Contains(error.ToString().Split('\n'), l => l.StartsWith("LibTorch threads: ", StringComparison.Ordinal) || all == 1);
    }

    [Fact]
    public void Inception_is_measured_at_its_smallest_input_not_below_it()
    {
        Assert.Equal(75, OverheadBenchmark.Parameters("inception_v3", 32, 2).ImageSize);
        Assert.Equal(32, OverheadBenchmark.Parameters("resnet50", 32, 2).ImageSize);
    }

    [Theory]
    [InlineData("--workers", "3", "--workers is not an option of `orch-worker bench --overhead`")]
    [InlineData("--onnx-rounds", "3", "--onnx-rounds is not an option of `orch-worker bench --overhead`")]
    [InlineData("--decode", "true", "--overhead is not an option of `orch-worker bench --decode`")]
    public void An_option_of_another_mode_is_refused_with_overhead(string option, string value, string message)
    {
        var error = new StringWriter();

        var code = BenchCommand.Run(["--overhead", option, value], new StringWriter(), error);

        Assert.Equal(TrainerExitCode.Usage, code);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--overhead", "--warmup-steps", "-1" }, "--overhead needs --overhead-rounds ≥ 1, --steps ≥ 1, --warmup-steps ≥ 0 and --batch ≥ 2")]
    [InlineData(new[] { "--warmup-steps", "10" }, "--warmup-steps is not an option of `orch-worker bench`")]
    public void Warm_up_steps_belong_to_the_overhead_mode_and_cannot_be_negative(string[] arguments, string message)
    {
        var error = new StringWriter();

        var code = BenchCommand.Run(arguments, new StringWriter(), error);

        Assert.Equal(TrainerExitCode.Usage, code);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Overhead_rounds_without_overhead_is_refused()
    {
        var error = new StringWriter();

        var code = BenchCommand.Run(["--overhead-rounds", "3"], new StringWriter(), error);

        Assert.Equal(TrainerExitCode.Usage, code);
        Assert.Contains("--overhead-rounds is not an option of `orch-worker bench`", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_encoder_is_a_usage_error_naming_the_benchmarked_ones()
    {
        var error = new StringWriter();

        var code = BenchCommand.Run(["--overhead", "--encoders", "resnet19"], new StringWriter(), error);

        Assert.Equal(TrainerExitCode.Usage, code);
        Assert.Contains("--encoders: no benchmark for resnet19; the benchmarked towers are resnet18,", error.ToString(), StringComparison.Ordinal);
    }
}
