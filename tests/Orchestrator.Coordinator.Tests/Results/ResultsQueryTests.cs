using System.Globalization;
using Npgsql;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Results.Rendering;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Results;

/// <summary>
/// The comparison table over results written straight into the database: 3 encoders × 2 head learning rates ×
/// 3 seeds with known numbers, one job failed. Every expected value is computed here independently.
/// </summary>
public sealed class ResultsQueryTests : IClassFixture<IsolatedDatabase>, IAsyncLifetime
{
    private static readonly string[] Encoders = ["resnet50", "mobilenet_v2", "googlenet"];
    private static readonly double[] LearningRates = [1e-3, 1e-4];
    private static readonly Dictionary<string, (double R1, double Latency, double Params)> Base = new()
    {
        ["resnet50"] = (40, 30, 25_557_032),
        ["mobilenet_v2"] = (30, 8, 3_504_872),
        ["googlenet"] = (25, 12, 6_624_904),
    };

    private readonly NpgsqlDataSource dataSource;
    private readonly List<(long Id, string Encoder, double Lr, int Seed, double R1, double Latency, bool Failed)> jobs = [];
    private long sweepId;

    public ResultsQueryTests(IsolatedDatabase database) => dataSource = NpgsqlDataSource.Create(database.ConnectionString);

    public async Task InitializeAsync()
    {
        await new SchemaMigrator(dataSource).MigrateAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        sweepId = await StoredRows.InsertSweepAsync(connection, "results", 18);

        foreach (var encoder in Encoders)
        {
            foreach (var lr in LearningRates)
            {
                for (var seed = 0; seed < 3; seed++)
                {
                    var r1 = Base[encoder].R1 + (lr == 1e-3 ? 2.5 : 0) + (seed * 0.7) + (seed == 2 && encoder == "googlenet" ? 1.3 : 0);
                    var latency = Base[encoder].Latency + (seed * 0.01);
                    var failed = encoder == "mobilenet_v2" && lr == 1e-4 && seed == 1;
                    var id = await InsertJobAsync(connection, encoder, lr, seed, failed ? null : Result(r1, latency, Base[encoder].Params));
                    jobs.Add((id, encoder, lr, seed, r1, latency, failed));
                }
            }
        }
    }

    [Fact]
    public async Task Grouped_by_encoder_means_stds_best_jobs_and_pareto_marks_match_an_independent_computation()
    {
        var table = await new ResultsQuery(dataSource).AggregateAsync(new ResultsRequest { SweepIds = [sweepId] }, "by encoder");

        Assert.Equal(3, table.Rows.Count);
        foreach (var encoder in Encoders)
        {
            var row = table.Rows.Single(r => r.Group["encoder"] == encoder);
            var done = jobs.Where(j => j.Encoder == encoder && !j.Failed).ToList();
            Assert.Equal(6, row.Jobs);
            Assert.Equal(done.Count, row.Succeeded);
            Assert.Equal(3, row.Seeds);
            Assert.Equal(Mean(done.Select(j => j.R1)), row.Metrics["t2i_r1"].Mean, 9);
            Assert.Equal(SampleStd(done.Select(j => j.R1)), row.Metrics["t2i_r1"].Std!.Value, 9);
            Assert.Equal(done.Min(j => j.R1), row.Metrics["t2i_r1"].Min, 9);
            Assert.Equal(done.Count, row.Metrics["t2i_r1"].Count);
            var best = done.OrderByDescending(j => j.R1).ThenBy(j => j.Id).First();
            Assert.Equal(best.Id, row.Best!.JobId);
            Assert.Equal(best.R1, row.Best.Value, 9);
        }

        // Pareto on (R@1 ↑, latency ↓) by group means, computed here by brute force.
        var means = Encoders.ToDictionary(e => e, e => (
            R1: Mean(jobs.Where(j => j.Encoder == e && !j.Failed).Select(j => j.R1)),
            Latency: Mean(jobs.Where(j => j.Encoder == e && !j.Failed).Select(j => j.Latency))));
        foreach (var encoder in Encoders)
        {
            var me = means[encoder];
            var dominated = means.Values.Any(o => o.R1 >= me.R1 && o.Latency <= me.Latency && (o.R1 > me.R1 || o.Latency < me.Latency));
            var row = table.Rows.Single(r => r.Group["encoder"] == encoder);
            Assert.Equal(!dominated, row.ParetoOn.Contains("latency_ms_b1"));
        }

        Assert.DoesNotContain("latency_ms_b1", table.Rows.Single(r => r.Group["encoder"] == "googlenet").ParetoOn);
    }

    [Fact]
    public async Task Grouped_by_encoder_and_learning_rate_an_incomplete_group_shows_two_of_three()
    {
        var request = new ResultsRequest { SweepIds = [sweepId], GroupBy = ["encoder", "head_lr"] };

        var table = await new ResultsQuery(dataSource).AggregateAsync(request, "by encoder and lr");

        Assert.Equal(6, table.Rows.Count);
        var incomplete = Assert.Single(table.Rows, r => !r.Complete);
        Assert.Equal("mobilenet_v2", incomplete.Group["encoder"]);
        Assert.Equal(0.0001, double.Parse(incomplete.Group["head_lr"], CultureInfo.InvariantCulture));
        Assert.Equal("2/3", incomplete.Done);
        Assert.Equal(1, incomplete.Failed);
        Assert.Equal(2, incomplete.Metrics["t2i_r1"].Count);
        Assert.Contains("2/3 done", new ConsoleTableRenderer().Render(table, TableLayout.StudyRecall), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_group_key_or_metric_is_refused_before_any_query()
    {
        var request = new ResultsRequest { SweepIds = [sweepId], GroupBy = ["encoder", "colour"], RankBy = "accuracy" };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new ResultsQuery(dataSource).AggregateAsync(request, "x"));

        Assert.Contains("cannot group by 'colour'", error.Message, StringComparison.Ordinal);
        Assert.Contains("unknown metric 'accuracy'", error.Message, StringComparison.Ordinal);
    }

    public async Task DisposeAsync() => await dataSource.DisposeAsync();

    private static string Result(double r1, double latency, double parameters) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"t2i_r1": {{r1}}, "latency_ms_b1": {{latency}}, "params_total": {{parameters}}, "val_loss": 1.5, "epoch_seconds": [1.0, 2.0]}""");

    private Task<long> InsertJobAsync(NpgsqlConnection connection, string encoder, double lr, int seed, string? result) =>
        StoredRows.InsertJobAsync(connection, sweepId, $"{encoder}-{lr}-{seed}", encoder,
            string.Create(CultureInfo.InvariantCulture, $$"""{"encoder": "{{encoder}}", "head_lr": {{lr}}, "seed": {{seed}}}"""), result);

    private static double Mean(IEnumerable<double> values) => values.Average();

    private static double SampleStd(IEnumerable<double> values)
    {
        var list = values.ToList();
        var mean = list.Average();
        return Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1));
    }
}
