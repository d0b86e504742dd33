using Orchestrator.Worker.Agent;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Tests.Agent;

/// <summary>
/// The agent relays a trainer's metrics.jsonl from the relay mark on: what an earlier agent had sent for the same
/// job is not sent again, what it had read but not sent is.
/// </summary>
public sealed class MetricsFileTailTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("orch-tail-").FullName;

    private string MetricsPath => Path.Combine(directory, TrainerLayout.MetricsFile);

    private MetricsRelayMark Mark => new(Path.Combine(directory, TrainerLayout.MetricsRelayMarkFile));

    [Fact]
    public void A_resumed_run_relays_only_the_epochs_after_the_mark()
    {
        Append(attempt: 1, 1, 2, 3);
        var first = new MetricsFileTail(MetricsPath, Mark.Read()).ReadNew();
        Mark.Advance(first[1].End); // epochs 1 and 2 accepted; the agent died before sending epoch 3
        Append(attempt: 2, 4); // the resumed trainer appends to the same file

        var resumed = new MetricsFileTail(MetricsPath, Mark.Read()).ReadNew();

        Assert.Equal([1, 2, 3], first.Select(r => r.Epoch));
        Assert.Equal([(3, 1), (4, 2)], resumed.Select(r => (r.Epoch, r.Attempt)));
        Assert.Equal(new FileInfo(MetricsPath).Length, resumed[^1].End);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a number")]
    [InlineData("999999")] // beyond the end: the file was started afresh since
    public void A_missing_unreadable_or_stale_mark_relays_the_file_from_its_start(string markText)
    {
        Append(attempt: 1, 1, 2);
        if (markText.Length > 0)
        {
            File.WriteAllText(Path.Combine(directory, TrainerLayout.MetricsRelayMarkFile), markText);
        }

        var reports = new MetricsFileTail(MetricsPath, Mark.Read()).ReadNew();

        Assert.Equal([1, 2], reports.Select(r => r.Epoch));
    }

    [Fact]
    public void A_cleared_mark_reads_as_the_start()
    {
        Append(attempt: 1, 1);
        Mark.Advance(new FileInfo(MetricsPath).Length);
        Mark.Clear();

        Assert.Equal(0, Mark.Read());
    }

    [Fact]
    public void Step_lines_are_not_relayed_but_the_newest_one_is_kept_for_the_live_throughput()
    {
        var tail = new MetricsFileTail(MetricsPath);
        using (var sink = new JsonLinesMetricsSink(MetricsPath, append: true, attempt: 1))
        {
            sink.Report(new MetricRecord(MetricRecord.StepKind, 1, 5, new Dictionary<string, double> { ["train_images_per_s"] = 100 }));
            sink.Report(new MetricRecord(MetricRecord.StepKind, 1, 10, new Dictionary<string, double> { ["train_images_per_s"] = 120 }));
            sink.Report(new MetricRecord(MetricRecord.EpochKind, 1, 10, new Dictionary<string, double> { ["train_loss"] = 0.5 }));
        }

        var reports = tail.ReadNew();

        Assert.Equal([1], reports.Select(r => r.Epoch));
        Assert.Equal((1, 10L, 120.0), (tail.LatestStep!.Epoch, tail.LatestStep.Step, tail.LatestStep.Metrics["train_images_per_s"]));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private void Append(int attempt, params int[] epochs)
    {
        using var sink = new JsonLinesMetricsSink(MetricsPath, append: true, attempt);
        foreach (var epoch in epochs)
        {
            sink.Report(new MetricRecord(MetricRecord.EpochKind, epoch, epoch * 10, new Dictionary<string, double> { ["train_loss"] = 1.0 / epoch }));
        }
    }
}
