using System.Globalization;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.EarlyStopping;

/// <summary>
/// Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter Tuning", 2020): a job
/// reaching a rung (grace·eta^k epochs, below max_epochs) goes on only if its value is among the best
/// max(1, ⌊n/eta⌋) of the n values recorded at that rung so far, its own included; otherwise it stops there. The
/// rung is never waited for: the first job at a rung always goes on, and later ones are judged against whoever came
/// before, so the outcome depends on the order of reports and on nothing else. This is the promotion rule of Optuna's
/// SuccessiveHalvingPruner; a tie with the cut goes on.
/// </summary>
public static class AshaRule
{
    /// <param name="spec">the sweep's block (type asha)</param>
    /// <param name="better">the metric's direction</param>
    /// <param name="epoch">the epoch just reported; only a rung is judged</param>
    /// <param name="value">the judged job's (or configuration's) value at the epoch</param>
    /// <param name="rungValues">every value recorded at the rung so far, <paramref name="value"/> among them</param>
    /// <returns>why the job stops, or null when it goes on</returns>
    public static StopDecision? Judge(EarlyStoppingSpec spec, Better better, int epoch, double value, IReadOnlyCollection<double> rungValues)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(rungValues);
        if (!spec.Rungs().Contains(epoch) || rungValues.Count == 0)
        {
            return null;
        }

        var eta = spec.Eta ?? 3;
        var kept = Math.Max(1, rungValues.Count / eta);
        var cut = (better == Better.Higher ? rungValues.OrderDescending() : rungValues.Order()).ElementAt(kept - 1);
        var behind = better == Better.Higher ? value < cut : value > cut;
        if (!behind)
        {
            return null;
        }

        var reason = string.Create(CultureInfo.InvariantCulture,
            $"ASHA rung {epoch}: {spec.Metric} {value:G6} is not among the best {kept} of the {rungValues.Count} jobs at this rung so far (cut {cut:G6}, eta {eta})");
        return new StopDecision(EarlyStoppingSpec.Asha, epoch, spec.Metric, value, cut, reason);
    }
}
