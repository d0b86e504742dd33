namespace Orchestrator.Shared.Specs;

/// <summary>
/// What `method: tpe` (model-based search, issue #19) asks of a spec beyond the common keys: `count` trials in all,
/// `parallel` of them at once, over a space that holds something to search and more distinct combinations than
/// trials. Every trial runs once per training seed. <see cref="SweepSpecParser.Parse"/> returns such a spec with no
/// jobs: the coordinator creates each trial's jobs as earlier trials finish.
/// </summary>
public static class TpeSpecRules
{
    public const string Method = "tpe";

    public const string ParallelKey = "parallel";

    /// <summary>`parallel`: required for method tpe, refused for the others.</summary>
    internal static int? ReadParallel(Dictionary<string, SpecNode> keys, SpecNodeReader reader, string method, List<SpecProblem> problems)
    {
        var parallel = reader.Integer(keys, ParallelKey, ParallelKey, SpecFieldBounds.Parallel);
        if (method == Method && !keys.ContainsKey(ParallelKey))
        {
            problems.Add(new SpecProblem(ParallelKey,
                "method tpe needs parallel: how many trials run at once (each suggestion learns from the results finished before it, so fewer at once search better)"));
        }
        else if (method != Method && keys.ContainsKey(ParallelKey))
        {
            problems.Add(new SpecProblem(ParallelKey, $"parallel applies to method tpe only; method {method} queues all of its jobs at once"));
        }

        return method == Method ? parallel : null;
    }

    internal static void Check(SweepSpec spec, SweepLimits limits, List<SpecProblem> problems)
    {
        if (spec.Count is not { } count)
        {
            return;
        }

        if (spec.Parallel is { } parallel && parallel > count)
        {
            problems.Add(new SpecProblem(ParallelKey, $"{parallel} trials at once is more than the {count} of count; lower parallel to at most {count}"));
        }

        // Encoders are a dimension of the search here (random search runs every draw with each encoder instead).
        var perEncoder = SweepExpander.CountDistinct(spec);
        var distinct = perEncoder == long.MaxValue ? perEncoder : spec.Encoders.Count * perEncoder;
        if (distinct == 1)
        {
            problems.Add(new SpecProblem("parameters",
                "nothing to search: give a parameter a {min, max} range or a list of two or more values, or list several encoders"));
        }
        else if (distinct < count)
        {
            problems.Add(new SpecProblem("count",
                $"asks for {count} trials but the encoders, listed values and whole-number ranges allow only {distinct} distinct combinations; " +
                "lower count, widen the space, or run them all with method grid"));
        }

        var jobs = (long)count * spec.Seeds.Count;
        if (jobs > limits.MaxJobs)
        {
            problems.Add(new SpecProblem("count",
                $"{count} trials × {spec.Seeds.Count} seeds is {jobs:N0} jobs, more than the limit of {limits.MaxJobs:N0}; lower count or list fewer seeds"));
        }
    }
}
