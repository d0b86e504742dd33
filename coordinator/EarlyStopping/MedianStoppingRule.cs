using System.Globalization;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.EarlyStopping;

/// <summary>
/// The median stopping rule (Golovin et al., "Google Vizier", 2017; Optuna's MedianPruner): from min_epochs on, a
/// job whose best value so far is worse than the median of the completed jobs' values at the same epoch stops.
/// Nothing is judged before min_completed jobs have completed, nor at a job's last epoch (it ends there anyway).
/// </summary>
public static class MedianStoppingRule
{
    /// <param name="spec">the sweep's block (type median)</param>
    /// <param name="better">the metric's direction</param>
    /// <param name="epoch">the epoch just reported</param>
    /// <param name="jobEpochs">the epochs the judged job trains</param>
    /// <param name="bestSoFar">the judged job's (or configuration's) best value up to <paramref name="epoch"/></param>
    /// <param name="completedValues">the completed jobs' (or configurations') values at <paramref name="epoch"/></param>
    /// <returns>why the job stops, or null when it goes on</returns>
    public static StopDecision? Judge(EarlyStoppingSpec spec, Better better, int epoch, int jobEpochs, double bestSoFar, IReadOnlyCollection<double> completedValues)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(completedValues);
        if (epoch < (spec.MinEpochs ?? 1) || epoch >= jobEpochs || completedValues.Count < (spec.MinCompleted ?? 1) || completedValues.Count == 0)
        {
            return null;
        }

        var median = Median(completedValues);
        var behind = better == Better.Higher ? bestSoFar < median : bestSoFar > median;
        if (!behind)
        {
            return null;
        }

        var reason = string.Create(CultureInfo.InvariantCulture,
            $"median stopping at epoch {epoch}: best {spec.Metric} so far {bestSoFar:G6} is worse than the median {median:G6} of {completedValues.Count} completed jobs at this epoch");
        return new StopDecision(EarlyStoppingSpec.Median, epoch, spec.Metric, bestSoFar, median, reason);
    }

    public static double Median(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
