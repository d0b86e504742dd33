using Npgsql;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Results.Rendering;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Shared.Metrics;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Results;

/// <summary>
/// Stopped jobs in the comparison table, over rows written straight into the database: resnet18 has a finished job
/// (R@1 0.30) and one stopped after epoch 1 that was ahead there (0.35); mobilenet_v2 has two stopped jobs only
/// (0.5 after 2 epochs, 0.4 after 1). Each job plans 3 epochs; every expected number is worked out here.
/// </summary>
public sealed class StoppedJobResultsTests : IClassFixture<IsolatedDatabase>, IAsyncLifetime
{
    private readonly NpgsqlDataSource dataSource;
    private long sweepId;
    private long finished;
    private long stoppedAhead;
    private long stoppedTwoEpochs;

    public StoppedJobResultsTests(IsolatedDatabase database) => dataSource = NpgsqlDataSource.Create(database.ConnectionString);

    public async Task InitializeAsync()
    {
        await new SchemaMigrator(dataSource).MigrateAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        sweepId = await StoredRows.InsertSweepAsync(connection, "stopped", 4);
        finished = await StoredRows.InsertJobAsync(connection, sweepId, "a", "resnet18", Parameters("resnet18", 0),
            """{"t2i_r1": 0.30, "val_loss": 1.0, "train_time_s": 300, "latency_ms_b1": 5, "params_total": 1e7}""");
        for (var epoch = 1; epoch <= 3; epoch++)
        {
            await StoredRows.InsertProgressAsync(connection, finished, epoch, """{"t2i_r1": 0.2, "train_time_s": 100}""");
        }

        stoppedAhead = await StoredRows.InsertStoppedJobAsync(connection, sweepId, "b", "resnet18", Parameters("resnet18", 1));
        await StoredRows.InsertProgressAsync(connection, stoppedAhead, 1, """{"t2i_r1": 0.35, "val_loss": 2.0, "train_time_s": 100, "val_time_s": 10}""");
        stoppedTwoEpochs = await StoredRows.InsertStoppedJobAsync(connection, sweepId, "c", "mobilenet_v2", Parameters("mobilenet_v2", 0));
        await StoredRows.InsertProgressAsync(connection, stoppedTwoEpochs, 1, """{"t2i_r1": 0.1, "train_time_s": 50}""");
        await StoredRows.InsertProgressAsync(connection, stoppedTwoEpochs, 2, """{"t2i_r1": 0.5, "train_time_s": 50}""");
        var stoppedOneEpoch = await StoredRows.InsertStoppedJobAsync(connection, sweepId, "d", "mobilenet_v2", Parameters("mobilenet_v2", 1));
        await StoredRows.InsertProgressAsync(connection, stoppedOneEpoch, 1, """{"t2i_r1": 0.4, "train_time_s": 50}""");
    }

    public async Task DisposeAsync() => await dataSource.DisposeAsync();

    [Fact]
    public async Task Best_and_means_count_only_finished_jobs_and_a_group_of_stopped_jobs_shows_their_last_epoch_unranked()
    {
        var table = await AggregateAsync(includeStopped: false);
        var resnet = Row(table, "resnet18");
        var mobilenet = Row(table, "mobilenet_v2");

        Assert.Equal((2, 1, 1, 0, "1 done, 1 stopped"), (resnet.Jobs, resnet.Succeeded, resnet.Stopped, resnet.StoppedInMetrics, TableCells.Done(resnet)));
        Assert.Equal((0.30, 1), (resnet.Metrics["t2i_r1"].Mean, resnet.Metrics["t2i_r1"].Count));
        Assert.Equal((finished, 0.30), (resnet.Best!.JobId, resnet.Best.Value));
        Assert.True(resnet.Complete);

        // No job of mobilenet_v2 finished: its stopped jobs' last epochs, with the seconds of all their epochs, marked and never best.
        Assert.Equal((2, 0, 2, 2, "0 done, 2 stopped †"), (mobilenet.Jobs, mobilenet.Succeeded, mobilenet.Stopped, mobilenet.StoppedInMetrics, TableCells.Done(mobilenet)));
        Assert.Equal((0.5 + 0.4) / 2, mobilenet.Metrics["t2i_r1"].Mean, 12);
        Assert.Equal((100.0 + 50) / 2, mobilenet.Metrics["train_time_s"].Mean, 12);
        Assert.Null(mobilenet.Best);
        Assert.Empty(mobilenet.ParetoOn);
        Assert.Equal([resnet], TableCells.BestRows(table, MetricCatalog.TextToImageR1)); // mobilenet's 0.45 is not a final result

        Assert.Equal((3 + 1, 3 + 3), (resnet.EpochsTrained, resnet.EpochsPlanned));
        Assert.Equal((7L, 12L, 7.0 / 12), (table.EpochsTrained, table.EpochsPlanned, table.EpochsTrainedFraction!.Value));
        Assert.Equal(300 + 100 + 10 + 150, table.TrainingSeconds!.Value, 9);
    }

    [Fact]
    public async Task With_include_stopped_a_stopped_job_that_was_ahead_can_be_its_group_s_best()
    {
        var table = await AggregateAsync(includeStopped: true);
        var resnet = Row(table, "resnet18");
        var mobilenet = Row(table, "mobilenet_v2");

        Assert.Equal((1, 2), (resnet.StoppedInMetrics, resnet.Metrics["t2i_r1"].Count));
        Assert.Equal((0.30 + 0.35) / 2, resnet.Metrics["t2i_r1"].Mean, 12);
        Assert.Equal((stoppedAhead, 0.35), (resnet.Best!.JobId, resnet.Best.Value));
        Assert.Equal((stoppedTwoEpochs, 0.5), (mobilenet.Best!.JobId, mobilenet.Best.Value));
        Assert.Equal([mobilenet], TableCells.BestRows(table, MetricCatalog.TextToImageR1));
        Assert.Equal("1 done, 1 stopped †", TableCells.Done(resnet));
    }

    [Fact]
    public async Task The_csv_counts_stopped_jobs_in_columns_of_their_own_and_the_json_carries_the_epochs()
    {
        var table = await AggregateAsync(includeStopped: false);

        var lines = new CsvTableRenderer().Render(table, TableLayout.StudyRecall).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',')).ToList();
        var records = lines.Skip(1).Select(r => lines[0].Zip(r).ToDictionary(p => p.First, p => p.Second)).ToDictionary(r => r["encoder"]);
        var json = new JsonTableRenderer().Render(table, TableLayout.Full);

        Assert.Equal(("2", "2", "0.45", "", "3", "6", "150"), (records["mobilenet_v2"]["stopped"], records["mobilenet_v2"]["stopped_in_metrics"],
            records["mobilenet_v2"]["t2i_r1_mean"][..4], records["mobilenet_v2"]["best_job_id"], records["mobilenet_v2"]["epochs_trained"],
            records["mobilenet_v2"]["epochs_planned"], records["mobilenet_v2"]["training_seconds"]));
        Assert.Equal(("1", "0"), (records["resnet18"]["stopped"], records["resnet18"]["stopped_in_metrics"]));
        Assert.All(records.Values, r => Assert.DoesNotContain(TableCells.StoppedMark, string.Concat(r.Values), StringComparison.Ordinal));
        Assert.Contains("\"epochs_trained\": 7,", json, StringComparison.Ordinal);
        Assert.Contains("\"epochs_planned\": 12,", json, StringComparison.Ordinal);
    }

    private Task<ResultTable> AggregateAsync(bool includeStopped) =>
        new ResultsQuery(dataSource).AggregateAsync(new ResultsRequest { SweepIds = [sweepId], IncludeStopped = includeStopped }, "stopped");

    private static ResultRow Row(ResultTable table, string encoder) => table.Rows.Single(r => r.Group["encoder"] == encoder);

    private static string Parameters(string encoder, int seed) => $$"""{"encoder": "{{encoder}}", "epochs": 3, "seed": {{seed}}}""";
}
