using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Search;

/// <summary>One trial of a model-based sweep: the suggested point and its jobs, one per training seed.</summary>
public sealed record TpeTrial(int Number, SearchPoint Point, IReadOnlyList<JobDefinition> Jobs);

/// <summary>
/// Turns TPE suggestions into the jobs of a `method: tpe` sweep, the step between the sampler and the queue. A
/// suggestion whose jobs exist already (a job key is unique in its sweep) or that no worker could run (an image size
/// below its encoder's minimum, weights an encoder cannot have, heads that do not divide the width: the checks a grid
/// gets when it is expanded) is passed over for another suggestion of the same trial, then for uniform draws, so
/// the trial is deterministic given the spec, its number, the observations and the jobs that exist.
/// </summary>
public sealed class TpeTrialPlanner
{
    // A model sure of one corner suggests it again and again; a few tries, then uniform draws find new ground.
    private const int ModelAttempts = 10;
    private const int Attempts = 1_000;

    private readonly SweepSpec spec;
    private readonly TpeSampler sampler;

    public TpeTrialPlanner(SweepSpec spec, Better better, TpeSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Method != TpeSpecRules.Method)
        {
            throw new ArgumentException($"the spec's method is {spec.Method}; only a tpe sweep is planned trial by trial", nameof(spec));
        }

        this.spec = spec;
        Space = SearchSpace.FromSpec(spec);
        sampler = new TpeSampler(Space, better, spec.Seed, settings);
    }

    /// <summary>The space the observations' points must come from (read finished jobs with its PointOf).</summary>
    public SearchSpace Space { get; }

    /// <summary>The next trial, given the results so far (one observation per finished trial) and the sweep's job keys.</summary>
    public TpeTrial Plan(IReadOnlyList<Observation> observations, int trialNumber, IReadOnlySet<string> existingJobKeys) =>
        Plan(observations, [], trialNumber, existingJobKeys);

    /// <summary>The next trial, given the results so far, the points of the trials still unfinished and the sweep's job keys.</summary>
    public TpeTrial Plan(IReadOnlyList<Observation> observations, IReadOnlyList<SearchPoint> pending, int trialNumber, IReadOnlySet<string> existingJobKeys)
    {
        ArgumentNullException.ThrowIfNull(existingJobKeys);
        var lastPassedOver = string.Empty;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var point = attempt < ModelAttempts ? sampler.Suggest(observations, pending, trialNumber, attempt) : sampler.SuggestUniform(trialNumber, attempt);
            var values = point.ToJson();
            var encoder = values[SearchSpace.EncoderDimension]!.GetValue<string>();
            values.Remove(SearchSpace.EncoderDimension);
            var jobs = SweepExpander.JobsOf(spec, encoder, values.ToDictionary(p => p.Key, p => p.Value!, StringComparer.Ordinal));

            var problems = new List<SpecProblem>();
            SweepExpander.CheckEachJob(jobs, problems);
            if (problems.Count == 0 && !jobs.Any(j => existingJobKeys.Contains(j.JobKey)))
            {
                return new TpeTrial(trialNumber, point, jobs);
            }

            lastPassedOver = problems.Count > 0 ? problems[0].ToString() : $"{point} has run already";
        }

        throw new InvalidOperationException(
            $"trial {trialNumber}: none of {Attempts} suggestions was both new and runnable (last: {lastPassedOver}); " +
            "the space holds too few valid combinations for count: widen it or lower count");
    }
}
