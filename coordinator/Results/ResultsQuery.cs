using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Results;

/// <summary>What to aggregate: which sweeps, grouped by which parameters, ranked by which metric, Pareto against which costs.</summary>
public sealed record ResultsRequest
{
    public required IReadOnlyList<long> SweepIds { get; init; }

    public IReadOnlyList<string> GroupBy { get; init; } = ["encoder"];

    public string RankBy { get; init; } = MetricCatalog.TextToImageR1.Key;

    public IReadOnlyList<string> CostAxes { get; init; } = [MetricCatalog.LatencyMs.Key, MetricCatalog.ParamsTotal.Key];

    /// <summary>Summarise stopped jobs (at their last reported epoch) with the finished ones, and let them be a group's best.</summary>
    public bool IncludeStopped { get; init; }

    /// <summary>"name (#id)": how a sweep is named in a table's title.</summary>
    public static string SweepLabel(string name, long id) => string.Create(CultureInfo.InvariantCulture, $"{name} (#{id})");

    /// <summary>The table's title, the same wherever it is built (gRPC for the CLI, the web dashboard's exports).</summary>
    public string Title(IEnumerable<string> sweepLabels) => $"{string.Join(", ", sweepLabels)} by {string.Join(", ", GroupBy)}";

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

        foreach (var metric in CostAxes.Prepend(RankBy).Where(m => MetricCatalog.ResultColumns.All(k => k.Key != m)))
        {
            problems.Add($"unknown metric '{metric}' (known: {string.Join(", ", MetricCatalog.ResultColumns.Select(k => k.Key))})");
        }

        return problems;
    }
}

/// <summary>
/// Builds a sweep's comparison table in one SQL statement, one pass over the jobs and one over their epochs: per
/// group, job counts by outcome, mean / sample std / min / max / n of every known final metric over the jobs that
/// reached their final epoch, the best job by the ranking metric, and the epochs trained against the epochs planned.
/// Groups with unfinished or failed jobs keep their counts, so they show as incomplete rather than averaged away.
/// A job stopped early has no result, only the metrics of the last epoch it reported (with its time totals): those
/// are summarised where a group has no finished job, or everywhere with <see cref="ResultsRequest.IncludeStopped"/>;
/// only then can one be a group's best (an epoch-1 loss is no rival for a final one).
/// </summary>
public sealed class ResultsQuery(NpgsqlDataSource dataSource)
{
    // {0}: the group expression ARRAY[j.params->>@k0, …] (numbered parameters only). {1}: five aggregates per
    // metric. {2}: the record each result is read into once per row, every metric as jsonb. {3}: each metric as a
    // float8 when it is a number within ±MagnitudeLimit, else null, and rank_value: the ranking metric where the job
    // may be its group's best (Ranked). {4}, {5}: an epoch's train and val seconds, so guarded. {6}: whether the job
    // counts in its group's metrics (Summarised). {7}: its result or last epoch (Outcome). A function call is
    // evaluated once per row, and OFFSET 0 keeps the planner from inlining the guards into every aggregate that uses
    // them (per-metric jsonb work repeated per aggregate was 5× slower when measured). Metric names come from
    // MetricCatalog (code, not input) and are quoted as identifiers. The guards exist because the coordinator refuses
    // bad values at the door, but a row written by an older version or by hand (1e300, whose square overflows float8
    // in stddev; 1e400, which no float8 holds; a string; a result that is not an object) must not break its table.
    // finished: the groups with a finished job, joined to stopped jobs only, and empty for sweeps without any.
    // spent: each job's epochs and their seconds, in one pass over the sweeps' epochs.
    // Measured on 10,000 jobs, each of these made the query 1.6–3× slower, so none is used: a window function over
    // the groups (it sorted every job with its result), a lateral count of each job's epochs, a NOT EXISTS per job,
    // and the Memoize node the planner put over r keyed on the 20 metrics, which missed every time (r names j.id,
    // unique, so the planner sees that no cache can pay).
    private static readonly CompositeFormat AggregateSql = CompositeFormat.Parse("""
        WITH finished AS (
            SELECT DISTINCT {0} AS grp FROM jobs j
            WHERE j.sweep_id = ANY(@sweeps) AND j.state = 'succeeded'
              AND EXISTS (SELECT 1 FROM jobs s WHERE s.sweep_id = ANY(@sweeps) AND s.state = 'stopped')),
        spent AS (
            SELECT m.job_id, count(*) AS epochs, sum({4}) AS train_s, sum({5}) AS val_s
            FROM job_metrics m WHERE m.sweep_id = ANY(@sweeps) GROUP BY m.job_id)
        SELECT {0} AS grp,
               count(*)::int AS jobs,
               count(*) FILTER (WHERE j.state = 'succeeded')::int AS succeeded,
               count(*) FILTER (WHERE j.state IN ('failed', 'lease_lost'))::int AS failed,
               count(*) FILTER (WHERE j.state = 'stopped')::int AS stopped,
               count(*) FILTER (WHERE j.state = 'stopped' AND {6})::int AS stopped_in_metrics,
               count(DISTINCT j.params->>'seed') FILTER (WHERE {6})::int AS seeds,
               (array_agg(j.id ORDER BY r.rank_value * @direction DESC, j.id) FILTER (WHERE r.rank_value IS NOT NULL))[1] AS best_id,
               max(r.rank_value * @direction) * @direction AS best_value,
               coalesce(least(sum(CASE WHEN jsonb_typeof(j.params->'epochs') = 'number' THEN (j.params->'epochs')::numeric END), @limit), 0)::bigint AS epochs_planned,
               coalesce(sum(spent.epochs), 0)::bigint AS epochs_trained,
               sum(coalesce(spent.train_s, 0) + coalesce(spent.val_s, 0)) FILTER (WHERE spent.train_s IS NOT NULL OR spent.val_s IS NOT NULL) AS training_seconds,
               {1}
        FROM jobs j
        LEFT JOIN spent ON spent.job_id = j.id
        LEFT JOIN finished ON j.state = 'stopped' AND finished.grp = {0}
        LEFT JOIN LATERAL jsonb_to_record(CASE WHEN {6} AND jsonb_typeof({7}) = 'object' THEN {7} END) AS raw({2}) ON true
        LEFT JOIN LATERAL (
            SELECT j.id AS job_id, {3}
            OFFSET 0) AS r ON true
        WHERE j.sweep_id = ANY(@sweeps)
        GROUP BY 1
        ORDER BY 1
        """);

    // A stopped job's last reported epoch, with the seconds of all its epochs in place of that epoch's own.
    private const string Outcome = """
        CASE WHEN j.state = 'succeeded' THEN j.result
             WHEN j.state = 'stopped' THEN (SELECT m.metrics FROM job_metrics m WHERE m.job_id = j.id ORDER BY m.epoch DESC LIMIT 1)
                  || jsonb_strip_nulls(jsonb_build_object('train_time_s', spent.train_s, 'val_time_s', spent.val_s)) END
        """;

    private const string Summarised = "(j.state = 'succeeded' OR (j.state = 'stopped' AND (@include OR finished.grp IS NULL)))";

    private const string Ranked = "(j.state = 'succeeded' OR (j.state = 'stopped' AND @include))";

    private const int FixedColumns = 12;

    /// <summary>Largest magnitude aggregated: far above any real metric (parameter counts ~1e10), far below float8 overflow even squared and summed.</summary>
    public const double MagnitudeLimit = 1e15;

    private static readonly string MetricAggregates = string.Join(",\n       ", MetricCatalog.ResultColumns.Select(m =>
        $"avg(r.\"{m.Key}\"), stddev_samp(r.\"{m.Key}\"), min(r.\"{m.Key}\"), max(r.\"{m.Key}\"), count(r.\"{m.Key}\")::int"));

    private static readonly string MetricRecord = string.Join(", ", MetricCatalog.ResultColumns.Select(m => $"\"{m.Key}\" jsonb"));

    private static readonly string SaneMetrics = string.Join(",\n       ", MetricCatalog.ResultColumns.Select(m => $"{Sane($"raw.\"{m.Key}\"")} AS \"{m.Key}\""));

    /// <summary>A jsonb value as float8 when it is a number within ±<see cref="MagnitudeLimit"/>, else null.</summary>
    private static string Sane(string jsonb) =>
        $"CASE WHEN jsonb_typeof({jsonb}) = 'number' THEN CASE WHEN abs(({jsonb})::numeric) <= @limit THEN ({jsonb})::float8 END END";

    public async Task<ResultTable> AggregateAsync(ResultsRequest request, string title, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = request.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(request));
        }

        var group = "ARRAY[" + string.Join(", ", request.GroupBy.Select((_, i) => $"j.params->>@k{i}")) + "]";
        var rankValue = $"CASE WHEN {Ranked} THEN {Sane($"raw.\"{request.RankBy}\"")} END AS rank_value"; // RankBy is a catalogue name (Problems)
        await using var command = dataSource.CreateCommand(string.Format(CultureInfo.InvariantCulture, AggregateSql, group, MetricAggregates, MetricRecord,
            SaneMetrics + ",\n       " + rankValue, Sane($"m.metrics->'{MetricCatalog.TrainTime.Key}'"), Sane($"m.metrics->'{MetricCatalog.ValTime.Key}'"),
            Summarised, Outcome));
        command.Parameters.Add(new NpgsqlParameter("sweeps", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = request.SweepIds.ToArray() });
        command.Parameters.AddWithValue("include", request.IncludeStopped);
        command.Parameters.AddWithValue("limit", (decimal)MagnitudeLimit);
        command.Parameters.AddWithValue("direction", MetricCatalog.FindColumn(request.RankBy).Better == Better.Higher ? 1.0 : -1.0);
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
                Stopped = reader.GetInt32(4),
                StoppedInMetrics = reader.GetInt32(5),
                Seeds = reader.GetInt32(6),
                Best = reader.IsDBNull(7) ? null : new BestJob(reader.GetInt64(7), reader.GetDouble(8)),
                EpochsPlanned = reader.GetInt64(9),
                EpochsTrained = reader.GetInt64(10),
                TrainingSeconds = reader.IsDBNull(11) ? null : reader.GetDouble(11),
                Metrics = ReadMetrics(reader),
            });
        }

        return ParetoFront.Mark(new ResultTable
        {
            Title = title,
            GroupBy = request.GroupBy,
            RankBy = request.RankBy,
            CostAxes = request.CostAxes,
            IncludeStopped = request.IncludeStopped,
            Rows = rows,
        });
    }

    private static Dictionary<string, MetricSummary> ReadMetrics(NpgsqlDataReader reader)
    {
        var metrics = new Dictionary<string, MetricSummary>(StringComparer.Ordinal);
        for (var m = 0; m < MetricCatalog.ResultColumns.Count; m++)
        {
            var at = FixedColumns + (m * 5);
            if (reader.GetInt32(at + 4) == 0)
            {
                continue; // no succeeded job of the group reported this metric
            }

            metrics[MetricCatalog.ResultColumns[m].Key] = new MetricSummary(
                reader.GetDouble(at),
                reader.IsDBNull(at + 1) ? null : reader.GetDouble(at + 1),
                reader.GetDouble(at + 2),
                reader.GetDouble(at + 3),
                reader.GetInt32(at + 4));
        }

        return metrics;
    }
}
