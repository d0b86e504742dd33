using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// Turns a validated spec into its jobs: one per (encoder × combination × seed). A grid takes the full product
/// of the parameter lists; random draws <see cref="SweepSpec.Count"/> distinct combinations with the spec's seed,
/// and every encoder runs the same draws so encoders are compared on equal terms.
/// </summary>
public static class SweepExpander
{
    private static readonly JsonSerializerOptions JsonOptions = new();

    public static IReadOnlyList<JobDefinition> Expand(SweepSpec spec, SweepLimits limits, List<SpecProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(problems);

        var combinations = spec.Method == "random" ? CountRandom(spec, problems) : CountGrid(spec);
        var total = combinations * spec.Encoders.Count * spec.Seeds.Count;
        if (total > limits.MaxJobs)
        {
            var path = spec.Method == "random" ? "count" : "parameters";
            problems.Add(new SpecProblem(path,
                $"the sweep expands to {total:N0} jobs ({spec.Encoders.Count} encoders × {combinations:N0} combinations × {spec.Seeds.Count} seeds), " +
                $"more than the limit of {limits.MaxJobs:N0}; narrow the space, or use method random with a count"));
        }

        if (problems.Count > 0)
        {
            return [];
        }

        var draws = spec.Method == "random" ? DrawRandom(spec, problems) : GridCombinations(spec);
        var jobs = new List<JobDefinition>((int)total);
        foreach (var encoder in spec.Encoders)
        {
            foreach (var draw in draws)
            {
                jobs.AddRange(JobsOf(spec, encoder, draw));
            }
        }

        CheckEachJob(jobs, problems);
        return problems.Count > 0 ? [] : jobs;
    }

    private static long CountGrid(SweepSpec spec)
    {
        long product = 1;
        foreach (var domain in spec.Parameters.Values)
        {
            product = Math.Min(product * ((JsonArray)domain).Count, long.MaxValue / 1_000_000);
        }

        return product;
    }

    private static long CountRandom(SweepSpec spec, List<SpecProblem> problems)
    {
        var count = spec.Count ?? 0;
        var available = CountDistinct(spec);
        if (available < count)
        {
            problems.Add(new SpecProblem("count",
                $"asks for {count} distinct combinations but the listed values and whole-number ranges allow only {available}; lower count or widen the space"));
        }

        return count;
    }

    /// <summary>How many distinct draws the space holds (capped), or long.MaxValue when a real-valued range makes it endless.</summary>
    internal static long CountDistinct(SweepSpec spec)
    {
        long product = 1;
        foreach (var (name, domain) in spec.Parameters)
        {
            long size;
            if (domain is JsonArray values)
            {
                size = values.Count;
            }
            else if (ParameterCatalog.Get(name).Kind == ParameterKind.WholeNumber)
            {
                var (min, max, _) = RangeOf(domain);
                size = (long)max - (long)min + 1;
            }
            else
            {
                return long.MaxValue;
            }

            product = Math.Min(product * size, long.MaxValue / 1_000_000);
        }

        return product;
    }

    private static List<SortedDictionary<string, JsonNode>> GridCombinations(SweepSpec spec)
    {
        var combinations = new List<SortedDictionary<string, JsonNode>> { new(StringComparer.Ordinal) };
        foreach (var (name, domain) in spec.Parameters)
        {
            combinations = combinations
                .SelectMany(partial => ((JsonArray)domain).Select(value =>
                    new SortedDictionary<string, JsonNode>(partial, StringComparer.Ordinal) { [name] = value!.DeepClone() }))
                .ToList();
        }

        return combinations;
    }

    private static List<SortedDictionary<string, JsonNode>> DrawRandom(SweepSpec spec, List<SpecProblem> problems)
    {
        var count = spec.Count ?? 0;
        var random = new Random(spec.Seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var draws = new List<SortedDictionary<string, JsonNode>>(count);
        // Finite spaces hold at least count draws (checked before), so this only ends the search when a narrow
        // real-valued range yields too few distinct values at the six significant digits a draw keeps.
        var budget = (count * 20) + 1_000;
        while (draws.Count < count && budget-- > 0)
        {
            var draw = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
            foreach (var (name, domain) in spec.Parameters)
            {
                draw[name] = Sample(name, domain, random);
            }

            if (seen.Add(string.Join('\n', draw.Values.Select(v => v.ToJsonString()))))
            {
                draws.Add(draw);
            }
        }

        if (draws.Count < count)
        {
            problems.Add(new SpecProblem("count", $"only {draws.Count} distinct combinations could be drawn of the {count} asked; widen the ranges"));
        }

        return draws;
    }

    private static JsonNode Sample(string name, JsonNode domain, Random random)
    {
        if (domain is JsonArray values)
        {
            return values[random.Next(values.Count)]!.DeepClone();
        }

        var (min, max, log) = RangeOf(domain);
        if (ParameterCatalog.Get(name).Kind == ParameterKind.WholeNumber)
        {
            // Bounds of a whole-number range are whole numbers within int (checked by the parser); both are drawn.
            var whole = log
                ? Math.Clamp((int)Math.Round(LogUniform(min, max, random)), (int)min, (int)max)
                : random.Next((int)min, (int)max + 1);
            return JsonValue.Create(whole);
        }

        var value = log ? LogUniform(min, max, random) : min + (random.NextDouble() * (max - min));
        return JsonValue.Create(SixSignificantDigits(value));
    }

    /// <summary>A drawn real value as a job stores it: six significant digits keep its key and the tables readable.</summary>
    internal static double SixSignificantDigits(double value) =>
        double.Parse(value.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static double LogUniform(double min, double max, Random random) =>
        Math.Exp(Math.Log(min) + (random.NextDouble() * (Math.Log(max) - Math.Log(min))));

    private static (double Min, double Max, bool Log) RangeOf(JsonNode domain) =>
        (domain["min"]!.GetValue<double>(), domain["max"]!.GetValue<double>(), domain["log"]!.GetValue<bool>());

    /// <summary>The jobs of one combination with one encoder: one per training seed of the spec.</summary>
    internal static List<JobDefinition> JobsOf(SweepSpec spec, string encoder, IReadOnlyDictionary<string, JsonNode> draw) =>
        [.. spec.Seeds.Select(seed => new JobDefinition(WithOnnxTowers(Build(encoder, seed, draw), spec.OnnxTowers), spec.Dataset))];

    private static JobParameters Build(string encoder, int seed, IReadOnlyDictionary<string, JsonNode> draw)
    {
        var node = JsonSerializer.SerializeToNode(new JobParameters { Encoder = encoder, Seed = seed }, JsonOptions)!.AsObject();
        foreach (var (name, value) in draw)
        {
            node[name] = value.DeepClone();
        }

        return node.Deserialize<JobParameters>(JsonOptions)!;
    }

    /// <summary>The job carries the definitions of the ONNX towers it names, so its key covers them (and their files' checksums).</summary>
    private static JobParameters WithOnnxTowers(JobParameters parameters, IReadOnlyDictionary<string, OnnxTowerDefinition>? own)
    {
        var image = OnnxTowerCatalog.Find(parameters.Encoder, own);
        var text = OnnxTowerCatalog.Find(parameters.TextEncoder, own);
        return image is null && text is null
            ? parameters
            : parameters with { OnnxImageTower = image is { IsImage: true } ? image : null, OnnxTextTower = text is { IsText: true } ? text : null };
    }

    /// <summary>Problems only a whole job shows: an image size below its encoder's minimum, weights it cannot have, heads that do not divide the width.</summary>
    internal static void CheckEachJob(IReadOnlyList<JobDefinition> jobs, List<SpecProblem> problems)
    {
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in jobs.Select(j => j.Parameters))
        {
            var minimum = EncoderCatalog.IsKnown(p.Encoder) ? EncoderCatalog.MinimumImageSize(p.Encoder) : OnnxTowerCatalog.MinimumImageSize(p.Encoder) ?? 0;
            if (p.ImageSize < minimum && reported.Add($"size:{p.Encoder}:{p.ImageSize}"))
            {
                problems.Add(new SpecProblem("parameters.image_size",
                    $"{p.ImageSize} px is below {p.Encoder}'s minimum input of {minimum} px"));
            }

            foreach (var (field, message) in p.Pretrained.ProblemsFor(p))
            {
                if (reported.Add($"{field}:{p.Encoder}:{p.TextEncoder}"))
                {
                    problems.Add(new SpecProblem($"parameters.{field}", message));
                }
            }

            if (p.TextEncoder == "small-transformer" && p.TextWidth % p.TextHeads != 0 && reported.Add($"heads:{p.TextWidth}:{p.TextHeads}"))
            {
                problems.Add(new SpecProblem("parameters.text_heads",
                    $"text_width {p.TextWidth} is not divisible by text_heads {p.TextHeads}"));
            }
        }
    }
}
