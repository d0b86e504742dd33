using System.Diagnostics;
using System.Globalization;
using Orchestrator.Protos;
using Orchestrator.Shared.Configuration;
using Xunit.Abstractions;
using StoredJobState = Orchestrator.Shared.States.JobState;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// A built-in tower and an ONNX tower side by side in one sweep, through the coordinator and an `orch-worker` agent:
/// the ONNX one from its model file in the agent's weights directory, and the results table compares them.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class MixedTowerSweepTests(ITestOutputHelper output)
{
    // torchvision's resnet18 is 11,689,512 parameters; the tower drops its fc head (512 × 1000 + 1000 = 513,000).
    private const long BuiltInResNet18Parameters = 11_176_512;

    // The CNTK ResNet18 has a fourth stage of 3 basic blocks, not 2: one more block of two 3×3 512→512 convolutions
    // without bias (2 × 2,359,296) and two BatchNormalizations (2 × 1,024 scale and bias; running statistics are
    // buffers), so 11,176,512 + 4,720,640.
    private const long OnnxResNet18Parameters = 15_897_152;

    private static readonly TimeSpan SweepTimeout = TimeSpan.FromMinutes(4);

    [SkippableFact]
    public async Task A_sweep_of_the_built_in_and_the_onnx_resnet18_shows_each_tower_s_parameters_and_latency()
    {
        var clock = Stopwatch.StartNew();
        await using var bed = await AgentTestBed.CreateAsync();
        var weights = Path.Combine(bed.Root, "weights");
        await StageOnnxResNet18Async(weights, bed.Root);
        // Offline: nothing is downloaded, so a job whose tower did not find its file here fails instead of succeeding.
        bed.StartWorker("mixed", environment: new Dictionary<string, string>
        {
            [EnvironmentVariables.WeightsDirectory] = weights,
            [EnvironmentVariables.WeightsOffline] = "1",
        });

        var sweepId = await bed.SubmitAsync(Spec);
        await bed.WaitForSweepEndAsync(sweepId, SweepTimeout);

        var jobs = await bed.JobsAsync(sweepId);
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, j => Assert.True(j.State == StoredJobState.Succeeded, $"job {j.Id}: {j.State} {j.Error}{Environment.NewLine}{bed.Logs}"));

        var results = new ResultsService.ResultsServiceClient(bed.Coordinator!.Connect(AgentTestBed.ClientToken));
        var table = await results.GetResultsAsync(new GetResultsRequest { SweepIds = { sweepId } });
        Assert.Equal(["encoder"], table.GroupBy);
        var rows = table.Rows.ToDictionary(r => Assert.Single(r.GroupValues));
        Assert.Equal(["resnet18", "resnet18-onnx"], rows.Keys.Order(StringComparer.Ordinal));
        foreach (var (encoder, row) in rows)
        {
            output.WriteLine($"{encoder}: params_image {row.Metrics["params_image"].Mean:N0}, params_total {row.Metrics["params_total"].Mean:N0}, " +
                             $"latency_ms_b1 {row.Metrics["latency_ms_b1"].Mean:F2}");
            Assert.Equal(1, row.Succeeded);
            var latency = row.Metrics["latency_ms_b1"].Mean;
            Assert.True(double.IsFinite(latency) && latency > 0, $"{encoder}: latency {latency} ms");
        }

        Assert.Equal(BuiltInResNet18Parameters, (long)rows["resnet18"].Metrics["params_image"].Mean);
        Assert.Equal(OnnxResNet18Parameters, (long)rows["resnet18-onnx"].Metrics["params_image"].Mean);
        // Same text tower and heads on both: the totals differ by the image towers alone (and the heads' input width, 512 for both).
        Assert.Equal(OnnxResNet18Parameters - BuiltInResNet18Parameters,
            (long)(rows["resnet18-onnx"].Metrics["params_total"].Mean - rows["resnet18"].Metrics["params_total"].Mean));

        // What `orch results` prints from the same call: one line per encoder with its image tower's size.
        var printed = await OrchProcess.RunAsync(
            ["results", sweepId.ToString(CultureInfo.InvariantCulture), "--coordinator", bed.Address.ToString().TrimEnd('/'), "--token", AgentTestBed.ClientToken], bed.Root);
        Assert.True(printed.ExitCode == 0, $"orch results: exit {printed.ExitCode}{Environment.NewLine}{printed.Output}{printed.Error}");
        output.WriteLine(printed.Output);
        var lines = printed.Output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("resnet18 ", StringComparison.Ordinal) && l.Contains("11,176,512", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("resnet18-onnx ", StringComparison.Ordinal) && l.Contains("15,897,152", StringComparison.Ordinal));
        output.WriteLine($"test took {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>
    /// At 32 px on a few synthetic images: the built-in resnet18 random-initialised (seeded), the ONNX one from its model
    /// file in the weights directory, which is what `pretrained` means for an ONNX tower.
    /// </summary>
    private const string Spec = """
        name: mixed-resnets
        dataset: {format: synthetic, synthetic_images: 24, captions_per_image: 2}
        encoders: [resnet18, resnet18-onnx]
        seeds: [0]
        max_attempts: 1
        parameters: {text_encoder: small-transformer, pretrained: false, loss: infonce, image_size: 32, batch_size: 8, epochs: 1,
                     head_lr: 1e-3, image_encoder_lr: 1e-4, text_encoder_lr: 1e-3, num_workers: 1, max_length: 12,
                     text_layers: 1, text_width: 32, text_heads: 2, projection_dim: 32}
        """;

    /// <summary>
    /// ResNet18.onnx put into the weights directory as a user pre-stages it: `orch-worker weights fetch --offline`,
    /// which extracts it from the restored NuGet package (never downloaded); skipped when the package is absent.
    /// </summary>
    private static async Task StageOnnxResNet18Async(string weights, string home)
    {
        var fetch = await WorkerProcess.RunAsync(["weights", "fetch", "resnet18-onnx", "--offline", "--weights-dir", weights], home);
        Skip.If(fetch.ExitCode != 0, $"the ONNX ResNet18 cannot be staged (orch-worker weights fetch exit {fetch.ExitCode}): {fetch.Output}{fetch.Error}");
    }
}
