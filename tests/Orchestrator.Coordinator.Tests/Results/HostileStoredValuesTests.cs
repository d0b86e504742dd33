using Npgsql;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Results;

/// <summary>
/// Values the coordinator no longer accepts, written straight into the database (an older version, a person with
/// psql): the comparison table and the loss curves still come back, built from the numbers that make sense.
/// Before the aggregation guarded itself, one 1e300 made GetResults fail for its sweep for good (float8 overflow).
/// </summary>
public sealed class HostileStoredValuesTests : IClassFixture<IsolatedDatabase>, IAsyncLifetime
{
    private readonly NpgsqlDataSource dataSource;

    public HostileStoredValuesTests(IsolatedDatabase database) => dataSource = NpgsqlDataSource.Create(database.ConnectionString);

    public static TheoryData<string> HostileResults => new()
    {
        """{"t2i_r1": 1e300, "latency_ms_b1": 1e300, "params_total": -1e300}""",
        """{"t2i_r1": 1e400, "latency_ms_b1": -1e400}""",
        """{"t2i_r1": "0.9", "latency_ms_b1": "NaN", "params_total": "Infinity"}""",
        """{"t2i_r1": {"nested": 1}, "latency_ms_b1": [1, 2], "params_total": null, "val_loss": true}""",
        """[0.5, 0.6]""",
        "\"just text\"",
        "12345",
    };

    public Task InitializeAsync() => new SchemaMigrator(dataSource).MigrateAsync();

    [Theory]
    [MemberData(nameof(HostileResults))]
    public async Task A_sweep_with_a_hostile_stored_result_still_aggregates_from_its_sane_jobs(string hostile)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var sweepId = await StoredRows.InsertSweepAsync(connection, "hostile", 3);
        var good = new[] { 0.25, 0.75 };
        var ids = new List<long>();
        for (var i = 0; i < good.Length; i++)
        {
            ids.Add(await StoredRows.InsertJobAsync(connection, sweepId, $"good-{i}", "resnet18", $$"""{"encoder": "resnet18", "seed": {{i}}}""",
                $$"""{"t2i_r1": {{good[i]}}, "latency_ms_b1": 5, "params_total": 1000}"""));
        }

        var hostileId = await StoredRows.InsertJobAsync(connection, sweepId, "hostile", "resnet18", """{"encoder": "resnet18", "seed": 9}""", hostile);
        await StoredRows.InsertProgressAsync(connection, hostileId, 1, """{"train_loss": 1e400, "val_loss": "x"}""");
        await StoredRows.InsertProgressAsync(connection, hostileId, 2, """{"train_loss": 0.5, "val_loss": 1e300}""");

        var table = await new ResultsQuery(dataSource).AggregateAsync(new ResultsRequest { SweepIds = [sweepId] }, "hostile");

        var row = Assert.Single(table.Rows);
        Assert.Equal(3, row.Jobs);
        Assert.Equal(3, row.Succeeded);
        Assert.Equal(2, row.Metrics["t2i_r1"].Count);
        Assert.Equal(0.5, row.Metrics["t2i_r1"].Mean, 12);
        Assert.Equal(0.75, row.Metrics["t2i_r1"].Max, 12);
        Assert.Equal(ids[1], row.Best!.JobId);
        Assert.Equal(2, row.Metrics["latency_ms_b1"].Count);

        var curve = Assert.Single(await new LossCurvesQuery(dataSource).ForSweepsAsync([sweepId], encoder: null));
        Assert.Equal([2.0], curve.Epochs);
        Assert.Equal([0.5], curve.Train);
    }

    public async Task DisposeAsync() => await dataSource.DisposeAsync();
}
