using Orchestrator.Shared.Monitoring;
using Orchestrator.Shared.Specs;
using Orchestrator.Shared.States;
using Prometheus;

namespace Orchestrator.Coordinator.Monitoring;

/// <summary>
/// The coordinator's Prometheus instruments, in a registry of its own: a process that hosts two coordinators (the
/// tests, `orch demo` beside a benchmark) keeps their counts apart, and nothing of prometheus-net's process-wide
/// default registry leaks into the scrape. Names from <see cref="PrometheusNames"/>.
/// </summary>
public sealed class CoordinatorMetrics
{
    // A job waits milliseconds in an idle fleet and hours behind a long sweep: 10 ms × 4^k up to about 44 min, then +Inf.
    private static readonly double[] LeaseWaitBuckets = Histogram.ExponentialBuckets(0.01, 4, 10);

    // An attempt of a tiny job takes seconds, a real one hours or days: 1 s × 4^k up to about 3 days, then +Inf.
    private static readonly double[] AttemptBuckets = Histogram.ExponentialBuckets(1, 4, 10);

    private readonly Histogram leaseWait;
    private readonly Histogram leaseToComplete;
    private readonly Counter heartbeats;
    private readonly Counter epochsReported;
    private readonly Counter failures;
    private readonly Counter jobsStopped;

    public CoordinatorMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        leaseWait = factory.CreateHistogram(PrometheusNames.LeaseWait,
            "Seconds from when a job could be leased (queued, any retry backoff over) to its lease.",
            new HistogramConfiguration { Buckets = LeaseWaitBuckets });
        leaseToComplete = factory.CreateHistogram(PrometheusNames.LeaseToComplete,
            "Seconds from a lease to the completion of that attempt.",
            new HistogramConfiguration { Buckets = AttemptBuckets });
        heartbeats = factory.CreateCounter(PrometheusNames.Heartbeats, "Heartbeats accepted: each extended a current lease.");
        epochsReported = factory.CreateCounter(PrometheusNames.EpochsReported, "Epoch reports accepted and recorded.");
        failures = factory.CreateCounter(PrometheusNames.Failures, "Attempts that ended badly, by class.",
            new CounterConfiguration { LabelNames = [PrometheusNames.ClassLabel] });
        foreach (var failureClass in FailureClasses.All)
        {
            failures.WithLabels(failureClass).IncTo(0);
        }

        jobsStopped = factory.CreateCounter(PrometheusNames.JobsStopped, "Jobs an early-stopping rule stopped, by rule; counted when the decision commits.",
            new CounterConfiguration { LabelNames = [PrometheusNames.RuleLabel] });
        foreach (var rule in EarlyStoppingSpec.Rules)
        {
            jobsStopped.WithLabels(rule).IncTo(0);
        }

        Factory = factory;
    }

    /// <summary>What `/metrics` serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>For the instruments other parts own (the database gauges) to join the same registry.</summary>
    public IMetricFactory Factory { get; }

    public void Leased(TimeSpan waited) => leaseWait.Observe(Seconds(waited));

    public void Completed(TimeSpan held) => leaseToComplete.Observe(Seconds(held));

    public void Heartbeat() => heartbeats.Inc();

    public void EpochReported() => epochsReported.Inc();

    /// <summary>Counts a job stopped early by <paramref name="rule"/>, once its decision committed.</summary>
    /// <exception cref="ArgumentException">a rule not in <see cref="EarlyStoppingSpec.Rules"/>: the label set stays bounded</exception>
    public void JobStopped(string rule)
    {
        if (!EarlyStoppingSpec.Rules.Contains(rule))
        {
            throw new ArgumentException($"'{rule}' is not an early-stopping rule; known: {string.Join(", ", EarlyStoppingSpec.Rules)}", nameof(rule));
        }

        jobsStopped.WithLabels(rule).Inc();
    }

    /// <summary>
    /// Counts the attempts that ended into <paramref name="next"/> states as failures of <paramref name="failureClass"/>;
    /// an attempt ended because its sweep was cancelled (state cancelled) is a cancel, not a failure, and is not counted.
    /// </summary>
    /// <exception cref="ArgumentException">a class not in <see cref="FailureClasses.All"/>: the label set stays bounded</exception>
    public void AttemptsEnded(string failureClass, IEnumerable<JobState> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (!FailureClasses.All.Contains(failureClass))
        {
            throw new ArgumentException($"'{failureClass}' is not a failure class; known: {string.Join(", ", FailureClasses.All)}", nameof(failureClass));
        }

        var count = next.Count(state => state != JobState.Cancelled);
        if (count > 0)
        {
            failures.WithLabels(failureClass).Inc(count);
        }
    }

    // A clock stepped back (or a fake one in tests) must not put a negative duration into a histogram.
    private static double Seconds(TimeSpan duration) => Math.Max(0, duration.TotalSeconds);
}
