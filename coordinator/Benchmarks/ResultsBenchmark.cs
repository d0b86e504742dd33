using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Storage;
using Orchestrator.LocalPostgres;
using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Benchmarks;

/// <summary>
/// `orch bench-results [--jobs N] [--runs R]`: inserts a finished sweep of N jobs (every final metric filled) into a
/// throwaway local PostgreSQL and times the comparison-table aggregation, beside the baseline of the same run:
/// fetching every result to the client and aggregating there.
/// </summary>
public static class ResultsBenchmark
{
    private static readonly string[] Encoders =
        ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "googlenet", "inception_v3", "efficientnet_b0"];

    /// <param name="jobs">jobs of the finished sweep</param>
    /// <param name="runs">timed runs of each way, after two warm-ups</param>
    public static async Task RunAsync(int jobs, int runs)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"orch-bench-results-{Guid.NewGuid():N}");
        Console.WriteLine($"starting a throwaway PostgreSQL in {directory} …");
        await using var cluster = await LocalPostgresCluster.StartAsync(new LocalPostgresOptions { DataDirectory = directory, Persistent = false });
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        await new SchemaMigrator(dataSource).MigrateAsync();
        var sweepId = await InsertSweepAsync(dataSource, jobs);
        Console.WriteLine($"inserted a finished sweep of {jobs:N0} jobs × {MetricCatalog.ResultColumns.Count} metrics; {runs} timed runs each after 2 warm-ups");

        var query = new ResultsQuery(dataSource);
        var byEncoder = new ResultsRequest { SweepIds = [sweepId] };
        var byEncoderAndLr = byEncoder with { GroupBy = ["encoder", "head_lr"] };
        var sql = await TimeAsync(runs, () => query.AggregateAsync(byEncoder, "bench"));
        var sqlFine = await TimeAsync(runs, () => query.AggregateAsync(byEncoderAndLr, "bench"));
        var client = await TimeAsync(runs, () => AggregateOnClientAsync(dataSource, sweepId));

        Console.WriteLine();
        Console.WriteLine("| aggregation of the comparison table | median ms | p90 ms | speed vs baseline (>1: faster) |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Row("SQL, by encoder (8 groups)", sql, client);
        Row("SQL, by encoder × head_lr (40 groups)", sqlFine, client);
        Row("baseline: fetch all results, aggregate in C#", client, client);
    }

    private static void Row(string name, (double Median, double P90) time, (double Median, double P90) baseline) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {time.Median:F1} | {time.P90:F1} | {baseline.Median / time.Median:F2}× |"));

    internal static async Task<(double Median, double P90)> TimeAsync<T>(int runs, Func<Task<T>> action)
    {
        await action();
        await action();
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await action();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return (times[times.Count / 2], times[(int)Math.Min(times.Count - 1, Math.Ceiling(times.Count * 0.9) - 1)]);
    }

    /// <summary>
    /// The baseline: every succeeded job's result shipped to the client and folded there into the same figures
    /// (per encoder and metric: mean, variance, min, max, n; the best job by t2i_r1).
    /// </summary>
    private static async Task<int> AggregateOnClientAsync(NpgsqlDataSource dataSource, long sweepId)
    {
        await using var command = dataSource.CreateCommand("SELECT id, params->>'encoder', result::text FROM jobs WHERE sweep_id = @s AND state = 'succeeded'");
        command.Parameters.AddWithValue("s", sweepId);
        var folds = new Dictionary<(string, string), (double Sum, double Squares, double Min, double Max, int N)>();
        var best = new Dictionary<string, (long Id, double Value)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var id = reader.GetInt64(0);
            var encoder = reader.GetString(1);
            using var document = System.Text.Json.JsonDocument.Parse(reader.GetString(2));
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value.GetDouble();
                var key = (encoder, property.Name);
                var fold = folds.TryGetValue(key, out var f) ? f : (0, 0, double.MaxValue, double.MinValue, 0);
                folds[key] = (fold.Sum + value, fold.Squares + (value * value), Math.Min(fold.Min, value), Math.Max(fold.Max, value), fold.N + 1);
                if (property.NameEquals(MetricCatalog.TextToImageR1.Key) && (!best.TryGetValue(encoder, out var b) || value > b.Value))
                {
                    best[encoder] = (id, value);
                }
            }
        }

        return folds.Count + best.Count;
    }

    internal static async Task<long> InsertSweepAsync(NpgsqlDataSource dataSource, int jobs)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var sweep = new NpgsqlCommand("INSERT INTO sweeps (name, spec, spec_hash, job_count, created_at) VALUES ('bench', '{}', 'bench', @n, now()) RETURNING id", connection);
        sweep.Parameters.AddWithValue("n", jobs);
        var sweepId = (long)(await sweep.ExecuteScalarAsync())!;

        var random = new Random(1);
        await using var writer = await connection.BeginTextImportAsync(
            "COPY jobs (sweep_id, job_key, encoder, params, dataset, state, attempt, max_attempts, created_at, available_at, started_at, finished_at, result) FROM STDIN");
        for (var i = 0; i < jobs; i++)
        {
            var encoder = Encoders[i % Encoders.Length];
            var lr = new[] { 1e-3, 3e-4, 1e-4, 3e-5, 1e-5 }[i / Encoders.Length % 5];
            var result = new StringBuilder("{");
            result.AppendJoin(", ", MetricCatalog.ResultColumns.Select(m => string.Create(CultureInfo.InvariantCulture, $"\"{m.Key}\": {random.NextDouble() * 100:F6}")));
            result.Append('}');
            var parameters = string.Create(CultureInfo.InvariantCulture, $"{{\"encoder\": \"{encoder}\", \"head_lr\": {lr}, \"seed\": {i}}}");
            await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{sweepId}\tjob-{i}\t{encoder}\t{parameters}\t{{}}\tsucceeded\t1\t3\tnow\tnow\tnow\tnow\t{result}"));
        }

        await writer.DisposeAsync();
        await using var analyze = new NpgsqlCommand("ANALYZE jobs", connection);
        await analyze.ExecuteNonQueryAsync();
        return sweepId;
    }
}
