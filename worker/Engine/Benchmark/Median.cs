namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>
/// The middle of per-round times: a round slowed by another process on a shared machine moves a mean but not the
/// median, which is why the alternating benchmarks compare medians.
/// </summary>
internal static class Median
{
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            throw new ArgumentException("no values to take the median of", nameof(values));
        }

        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
