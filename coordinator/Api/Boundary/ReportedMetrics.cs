using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf.Collections;
using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>
/// The metrics of a ReportProgress or CompleteJob: at most so many, keys of a plain shape, values finite, within the
/// configured magnitude and, for catalogue metrics, within the metric's range. Keys outside the catalogue are
/// kept (a trainer may report its own extras); bounded values keep every later aggregation finite.
/// </summary>
public static partial class ReportedMetrics
{
    public const string KeyShape = "1 to 64 characters of a-z, 0-9, '_', '.', '/' and '-', starting with a letter or digit";

    /// <summary>The metrics as a JSON object with sorted keys; problems are added for every bad entry (the JSON is then unused).</summary>
    public static string ToJson(RequestProblems problems, string field, MapField<string, double> metrics, LimitsOptions limits)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(limits);
        if (metrics.Count > limits.MaxMetricsPerReport)
        {
            problems.Add(field, string.Create(CultureInfo.InvariantCulture, $"{metrics.Count} metrics in one report; at most {limits.MaxMetricsPerReport} are allowed"));
            return "{}";
        }

        if (metrics.Count == 0)
        {
            return "{}"; // most completions of tiny jobs: no serializer work on the hot path
        }

        foreach (var (key, value) in metrics)
        {
            if (!Key().IsMatch(key))
            {
                problems.Add(field, $"the key '{TextField.Printable(key)}' is not a metric key: keys are {KeyShape}");
                continue;
            }

            var at = $"{field}[{key}]";
            var range = MetricCatalog.Find(key)?.Range;
            if (!double.IsFinite(value))
            {
                problems.Add(at, string.Create(CultureInfo.InvariantCulture, $"must be a finite number, not {value}"));
            }
            else if (Math.Abs(value) > limits.MaxMetricMagnitude)
            {
                problems.Add(at, string.Create(CultureInfo.InvariantCulture, $"{value:G6} is too large: metric values must be within ±{limits.MaxMetricMagnitude:G6}"));
            }
            else if (range is not null && !range.Contains(value))
            {
                problems.Add(at, string.Create(CultureInfo.InvariantCulture, $"{value:G6} is out of range: {key} is {range}"));
            }
        }

        // JSON has no NaN or infinity: with a problem recorded the text is never used, so none is built from bad values.
        return problems.Count > 0 ? "{}" : JsonSerializer.Serialize(new SortedDictionary<string, double>(metrics, StringComparer.Ordinal));
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_./-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Key();
}
