using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Search;

/// <summary>
/// The metric a model-based sweep optimises and its direction. A spec names no objective of its own: a sweep that
/// stops jobs early optimises the metric its early_stopping block judges by (the two must agree, or the sampler
/// would chase what the stopping rule cuts short), every other one validation loss, lower better.
/// </summary>
public sealed record SearchObjective(string Metric, Better Better)
{
    public static SearchObjective Of(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var metric = spec.EarlyStopping?.Metric ?? MetricCatalog.ValLoss.Key;
        return new SearchObjective(metric, MetricCatalog.Find(metric)?.Better ?? Better.Lower);
    }
}
