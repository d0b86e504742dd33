using Orchestrator.Worker.Commands;
using Orchestrator.Worker.Tests.Onnx.Support;

namespace Orchestrator.Worker.Tests.Onnx;

/// <summary>`orch-worker bench --onnx` runs end to end on a tiny setting (the timing itself is measured by hand,
/// not asserted: the machine is shared).</summary>
public sealed class OnnxBenchCommandTests
{
    [Fact]
    public void Bench_onnx_times_the_imported_model_against_the_builtin_port_and_prints_the_ratio()
    {
        using var builtIn = WeightlessResNet18.CreateBuiltIn(seed: 4);
        var path = Path.Combine(Path.GetTempPath(), $"resnet18-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, WeightlessResNet18.Fill(builtIn));
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = BenchCommand.Run(["--onnx", path, "--batch", "2", "--size", "32", "--steps", "1", "--onnx-rounds", "2", "--threads", "1"], output, error);
            Assert.True(code == 0, error.ToString());
            Assert.Contains("round 2/2", output.ToString(), StringComparison.Ordinal);
            Assert.Matches(@"ratio \d+\.\d{3}", output.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Bench_onnx_refuses_a_missing_file_and_an_unknown_reference()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.NotEqual(0, BenchCommand.Run(["--onnx", "/nonexistent/model.onnx"], output, error));
        Assert.Contains("/nonexistent/model.onnx does not exist", error.ToString(), StringComparison.Ordinal);
        Assert.NotEqual(0, BenchCommand.Run(["--onnx", WeightlessResNet18.FixturePath, "--onnx-reference", "tiny_cnn"], output, error));
        Assert.Contains("tiny_cnn is not a built-in torchvision port", error.ToString(), StringComparison.Ordinal);
    }
}
