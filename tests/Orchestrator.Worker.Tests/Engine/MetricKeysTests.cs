using System.Text.Json;
using Orchestrator.Shared.Metrics;
using Orchestrator.Worker.Commands;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>
/// Every metric a trained job reports is a catalogue metric, under the same key at every level. result.json itself is
/// the nested record users read (README: `orch-worker train`); what the coordinator stores is its flat metric map,
/// which the agent makes from the file with <see cref="FinalMetrics"/>, so the map of the file as written is checked.
/// </summary>
public sealed class MetricKeysTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("orch-metric-keys-").FullName;

    [Fact]
    public void A_trained_job_reports_only_catalogue_metrics_and_one_key_per_quantity()
    {
        var job = Path.Combine(directory, "job.json");
        File.WriteAllText(job, """
            {"name": "keys", "dataset": {"format": "synthetic", "synthetic_images": 24, "captions_per_image": 2},
             "encoders": ["tiny_cnn"],
             "parameters": {"text_encoder": "small-transformer", "pretrained": false, "loss": "infonce", "epochs": 2,
                            "batch_size": 8, "image_size": 16, "text_layers": 1, "text_width": 32, "text_heads": 2, "projection_dim": 32}}
            """);
        var error = new StringWriter();

        var code = TrainCommand.Run(["--job", job, "--out", directory], new StringWriter(), error);

        Assert.True(code == 0, error.ToString());
        var lines = File.ReadAllLines(Path.Combine(directory, TrainerLayout.MetricsFile))
            .Select(l => JsonSerializer.Deserialize<MetricsLine>(l, EngineJson.Options)!)
            .ToList();
        var epochs = lines.Where(l => l.Kind == MetricRecord.EpochKind).ToList();
        Assert.Equal(new[] { 1, 2 }, epochs.Select(l => l.Epoch));
        Assert.Contains(lines, l => l.Kind == MetricRecord.StepKind);
        Assert.All(lines.SelectMany(l => l.Values.Keys), key => Assert.True(MetricCatalog.Contains(key), $"metrics.jsonl key '{key}' is not in the catalogue"));

        var result = JsonSerializer.Deserialize<TrainingResult>(File.ReadAllText(Path.Combine(directory, TrainerLayout.ResultFile)), EngineJson.Options)!;
        var final = FinalMetrics.From(result);
        Assert.All(final.Keys, key => Assert.True(MetricCatalog.Contains(key), $"result metric '{key}' is not in the catalogue"));
        Assert.All(MetricCatalog.ResultColumns, m => Assert.True(final.ContainsKey(m.Key), $"result lacks table column '{m.Key}'"));

        // The same quantity under the same key per epoch and for the job: the job's train time is its epochs' sum,
        // its train and val loss the last epoch's.
        Assert.Equal(epochs.Sum(e => e.Values[MetricCatalog.TrainTime.Key]), final[MetricCatalog.TrainTime.Key], 6);
        Assert.Equal(epochs.Sum(e => e.Values[MetricCatalog.ValTime.Key]), final[MetricCatalog.ValTime.Key], 6);
        Assert.Equal(epochs[^1].Values[MetricCatalog.TrainLoss.Key], final[MetricCatalog.TrainLoss.Key], 9);
        Assert.Equal(epochs[^1].Values[MetricCatalog.ValLoss.Key], final[MetricCatalog.ValLoss.Key], 9);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
