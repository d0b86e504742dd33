using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Orchestrator.Shared.Results;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Results;

/// <summary>What to aggregate: which sweeps, grouped by which parameters, ranked by which metric, Pareto against which costs.</summary>
public sealed record ResultsRequest
{
    public required IReadOnlyList<long> SweepIds { get; init; }

    public IReadOnlyList<string> GroupBy { get; init; } = ["encoder"];

    public string RankBy { get; init; } = ResultMetrics.TextToImageR1.Key;

    public IReadOnlyList<string> CostAxes { get; init; } = [ResultMetrics.LatencyMs.Key, ResultMetrics.ParamsTotal.Key];

    /// <summary>Checks names against the known parameters and metrics; returns every problem.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (SweepIds.Count == 0)
        {
            problems.Add("name at least one sweep");
        }

        if (GroupBy.Count == 0)
        {
            problems.Add("group by at least one parameter (e.g. encoder)");
        }

        foreach (var key in GroupBy.Where(k => k is not "encoder" and not "seed" && !ParameterCatalog.Names.Contains(k)))
        {
            problems.Add($"cannot group by '{key}': not a job parameter (known: encoder, seed, {string.Join(", ", ParameterCatalog.Names.Order(StringComparer.Ordinal))})");
        }

        foreach (var metric in CostAxes.Prepend(RankBy).Where(m => ResultMetrics.All.All(k => k.Key != m)))
        {
            problems.Add($"unknown metric '{metric}' (known: {string.Join(", ", ResultMetrics.All.Select(k => k.Key))})");
        }

        return problems;
    }
}

/// <summary>
/// Builds a sweep's comparison table in one SQL statement: per group, job counts by outcome, mean / sample std /
/// min / max / n of every numeric final metric over the succeeded jobs, and the best job by the ranking metric.
/// Groups with unfinished or failed jobs keep their counts, so they show as incomplete rather than averaged away.
/// </summary>
public sealed class ResultsQuery(NpgsqlDataSource dataSource)
{
    // {0} is the group expression: ARRAY[params->>@k0, params->>@k1, ...], built from numbered parameters only.
    private static readonly CompositeFormat AggregateSql = CompositeFormat.Parse("""
        WITH j AS (
            SELECT id, state, params, result, {0} AS grp
            FROM jobs WHERE sweep_id = ANY(@sweeps)
        ), counts AS (
            SELECT grp,
                   count(*)::int AS jobs,
                   count(*) FILTER (WHERE state = 'succeeded')::int AS succeeded,
                   count(*) FILTER (WHERE state IN ('failed', 'lease_lost'))::int AS failed,
                   count(DISTINCT params->>'seed') FILTER (WHERE state = 'succeeded')::int AS seeds
            FROM j GROUP BY grp
        ), stats AS (
            SELECT j.grp, m.key,
                   avg(m.value::float8) AS mean, stddev_samp(m.value::float8) AS std,
                   min(m.value::float8) AS lo, max(m.value::float8) AS hi, count(*)::int AS n
            FROM j CROSS JOIN LATERAL jsonb_each_text(j.result) AS m
            WHERE j.state = 'succeeded' AND jsonb_typeof(j.result -> m.key) = 'number'
            GROUP BY j.grp, m.key
        ), best AS (
            SELECT DISTINCT ON (grp) grp, id, (result ->> @rank)::float8 AS value
            FROM j
            WHERE state = 'succeeded' AND jsonb_typeof(result -> @rank) = 'number'
            ORDER BY grp, (result ->> @rank)::float8 * @direction DESC, id
        )
        SELECT c.grp, c.jobs, c.succeeded, c.failed, c.seeds,
               (SELECT jsonb_object_agg(s.key, jsonb_build_array(s.mean, s.std, s.lo, s.hi, s.n))
                  FROM stats s WHERE s.grp = c.grp) AS metrics,
               b.id AS best_id, b.value AS best_value
        FROM counts c LEFT JOIN best b ON b.grp = c.grp
        ORDER BY c.grp
        """);

    public async Task<ResultTable> AggregateAsync(ResultsRequest request, string title, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = request.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(request));
        }

        var group = "ARRAY[" + string.Join(", ", request.GroupBy.Select((_, i) => $"params->>@k{i}")) + "]";
        await using var command = dataSource.CreateCommand(string.Format(CultureInfo.InvariantCulture, AggregateSql, group));
        command.Parameters.Add(new NpgsqlParameter("sweeps", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = request.SweepIds.ToArray() });
        command.Parameters.AddWithValue("rank", request.RankBy);
        command.Parameters.AddWithValue("direction", ResultMetrics.Find(request.RankBy).Better == Better.Higher ? 1.0 : -1.0);
        for (var i = 0; i < request.GroupBy.Count; i++)
        {
            command.Parameters.AddWithValue($"k{i}", request.GroupBy[i]);
        }

        var rows = new List<ResultRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = reader.GetFieldValue<string?[]>(0);
            rows.Add(new ResultRow
            {
                Group = request.GroupBy.Select((key, i) => (key, value: values[i] ?? "–")).ToDictionary(p => p.key, p => p.value),
                Jobs = reader.GetInt32(1),
                Succeeded = reader.GetInt32(2),
                Failed = reader.GetInt32(3),
                Seeds = reader.GetInt32(4),
                Metrics = reader.IsDBNull(5) ? new Dictionary<string, MetricSummary>() : ReadMetrics(reader.GetString(5)),
                Best = reader.IsDBNull(6) ? null : new BestJob(reader.GetInt64(6), reader.GetDouble(7)),
            });
        }

        return ParetoFront.Mark(new ResultTable
        {
            Title = title,
            GroupBy = request.GroupBy,
            RankBy = request.RankBy,
            CostAxes = request.CostAxes,
            Rows = rows,
        });
    }

    private static Dictionary<string, MetricSummary> ReadMetrics(string json)
    {
        var metrics = new Dictionary<string, MetricSummary>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var v = property.Value;
            metrics[property.Name] = new MetricSummary(
                v[0].GetDouble(),
                v[1].ValueKind == JsonValueKind.Null ? null : v[1].GetDouble(),
                v[2].GetDouble(),
                v[3].GetDouble(),
                v[4].GetInt32());
        }

        return metrics;
    }
}
