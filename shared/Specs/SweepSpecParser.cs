using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static Orchestrator.Shared.Specs.SpecNodeReader;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// Reads a sweep spec (YAML, or JSON, which is YAML too), validates it completely and expands it into jobs.
/// Every problem is reported with its YAML path; a spec with any problem yields no jobs at all. Nothing but
/// <see cref="SpecValidationException"/> leaves <see cref="Parse"/>, whatever the text: the spec comes from anyone
/// holding a client token, and the coordinator parses it in its own process.
/// </summary>
public static partial class SweepSpecParser
{
    private static readonly string[] TopLevelKeys =
        ["name", "description", "owner", "dataset", "encoders", "method", "count", "seed", "seeds", "max_attempts", "priority", "parameters", OnnxTowerSpecReader.Key, EarlyStoppingSpecReader.Key, TpeSpecRules.ParallelKey];

    // Specs once took a cron `schedule:` that nothing ran; it is refused with its own message rather than as unknown.
    private const string RemovedSchedule = "schedule";

    private static readonly string[] DatasetKeys =
        ["format", "images", "captions", "annotations", "val_fraction", "split_seed", "resize", "synthetic_images", "captions_per_image"];

    private static readonly string[] Methods = ["grid", "random", TpeSpecRules.Method];
    private static readonly string[] ResizeModes = ["squash", "center-crop"];

    /// <summary>
    /// Parses, validates and expands; throws <see cref="SpecValidationException"/> listing every problem. A `method: tpe`
    /// spec expands to no jobs: the coordinator creates its trials one after another from the results so far.
    /// </summary>
    public static ParsedSweep Parse(string text, SweepLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        limits ??= SweepLimits.Default;
        var problems = new List<SpecProblem>();
        var spec = Read(text, limits, problems);
        if (spec is null || problems.Count > 0)
        {
            throw new SpecValidationException(problems);
        }

        if (spec.Method == TpeSpecRules.Method)
        {
            return new ParsedSweep(spec, []);
        }

        var jobs = SweepExpander.Expand(spec, limits, problems);
        if (problems.Count > 0)
        {
            throw new SpecValidationException(problems);
        }

        return new ParsedSweep(spec, jobs);
    }

    /// <summary>A job file: a spec that must expand to exactly one job (one format for sweeps and single runs).</summary>
    public static JobDefinition ParseSingleJob(string text)
    {
        var parsed = Parse(text);
        if (parsed.Spec.Method == TpeSpecRules.Method)
        {
            throw new SpecValidationException(
            [
                new SpecProblem("method", "a job file runs one job, but method tpe is a search the coordinator runs trial by trial; " +
                    "submit it with `orch submit`, or give each parameter one value and drop method, count and parallel"),
            ]);
        }

        if (parsed.Jobs.Count != 1)
        {
            throw new SpecValidationException(
            [
                new SpecProblem("(spec)", $"a job file must describe exactly one job, but this spec expands to {parsed.Jobs.Count} " +
                    "(one encoder, one seed, and one value per parameter)"),
            ]);
        }

        return parsed.Jobs[0];
    }

    private static SweepSpec? Read(string text, SweepLimits limits, List<SpecProblem> problems)
    {
        var node = new SpecYamlReader(limits, problems).Read(text);
        if (node is null)
        {
            return null;
        }

        if (node is not SpecMapping root)
        {
            problems.Add(new SpecProblem("(spec)", "the spec must be a mapping of keys (name, dataset, encoders, parameters, …)"));
            return null;
        }

        var reader = new SpecNodeReader(problems, limits);
        var keys = reader.Keys(root, string.Empty, [.. TopLevelKeys, RemovedSchedule], TopLevelKeys);
        if (keys.ContainsKey(RemovedSchedule))
        {
            problems.Add(new SpecProblem(RemovedSchedule,
                "is not supported: the coordinator does not re-submit sweeps on a schedule; run `orch submit SPEC --new` from cron or CI instead"));
        }

        var name = reader.Text(keys, "name", "name", TextKind.Word, required: true);
        if (name is not null && !NamePattern().IsMatch(name))
        {
            problems.Add(new SpecProblem("name", "use 1–100 letters, digits, '.', '_' or '-'"));
        }

        var method = reader.Text(keys, "method", "method", TextKind.Word) ?? "grid";
        if (!Methods.Contains(method, StringComparer.Ordinal))
        {
            problems.Add(new SpecProblem("method", $"unknown method {SpecText.Quote(method)}; use one of: {string.Join(", ", Methods)}"));
        }

        var count = reader.Integer(keys, "count", "count", SpecFieldBounds.Count);
        if (method is ("random" or TpeSpecRules.Method) && count is null && !keys.ContainsKey("count"))
        {
            problems.Add(new SpecProblem("count", $"method {method} needs count: how many combinations to {(method == "random" ? "draw" : "try")}"));
        }
        else if (method == "grid" && keys.ContainsKey("count"))
        {
            problems.Add(new SpecProblem("count", "count applies to methods random and tpe only; a grid runs every combination"));
        }

        var seeds = reader.IntegerList(keys, "seeds", "seeds", SpecFieldBounds.Seed) ?? [0];
        var declaredTowers = new HashSet<string>(StringComparer.Ordinal);
        var onnxTowers = OnnxTowerSpecReader.Read(keys, reader, problems, declaredTowers);
        var towers = new OnnxTowerNames(onnxTowers, declaredTowers);
        var parameters = ReadParameters(keys, reader, method, towers, problems);
        var spec = new SweepSpec
        {
            Name = name ?? string.Empty,
            Description = reader.Text(keys, "description", "description", TextKind.FreeText),
            Owner = reader.Text(keys, "owner", "owner", TextKind.Word),
            Dataset = ReadDataset(keys, reader, problems),
            Encoders = ReadEncoders(keys, reader, towers, problems),
            Method = method,
            Count = count,
            Parallel = TpeSpecRules.ReadParallel(keys, reader, method, problems),
            Seed = reader.Integer(keys, "seed", "seed", SpecFieldBounds.Seed) ?? 0,
            Seeds = seeds,
            MaxAttempts = reader.Integer(keys, "max_attempts", "max_attempts", SpecFieldBounds.MaxAttempts) ?? 3,
            Priority = reader.Integer(keys, "priority", "priority", SpecFieldBounds.Priority) ?? 0,
            Parameters = parameters,
            OnnxTowers = onnxTowers,
            EarlyStopping = EarlyStoppingSpecReader.Read(keys, reader, problems, parameters),
        };
        if (method == TpeSpecRules.Method)
        {
            TpeSpecRules.Check(spec, limits, problems);
        }

        return spec;
    }

    private static DatasetSpec ReadDataset(Dictionary<string, SpecNode> keys, SpecNodeReader reader, List<SpecProblem> problems)
    {
        if (!keys.TryGetValue("dataset", out var node))
        {
            problems.Add(new SpecProblem("dataset", "missing: name the dataset (format: synthetic, captions-csv, flickr8k-token, karpathy-json or coco-captions)"));
            return new DatasetSpec();
        }

        if (node is not SpecMapping mapping)
        {
            problems.Add(new SpecProblem("dataset", "must be a mapping with at least `format`"));
            return new DatasetSpec();
        }

        var fields = reader.Keys(mapping, "dataset", DatasetKeys);
        var defaults = new DatasetSpec();
        var format = reader.Text(fields, "format", "dataset.format", TextKind.Word, required: true) ?? defaults.Format;
        if (!DatasetSpec.KnownFormats.Contains(format, StringComparer.Ordinal))
        {
            problems.Add(new SpecProblem("dataset.format", $"unknown format {SpecText.Quote(format)}; use one of: {string.Join(", ", DatasetSpec.KnownFormats)}"));
        }

        var dataset = new DatasetSpec
        {
            Format = format,
            Images = reader.Text(fields, "images", "dataset.images", TextKind.Path),
            Captions = reader.Text(fields, "captions", "dataset.captions", TextKind.Path),
            Annotations = reader.Text(fields, "annotations", "dataset.annotations", TextKind.Path),
            ValFraction = reader.Number(fields, "val_fraction", "dataset.val_fraction", SpecFieldBounds.ValFraction) ?? defaults.ValFraction,
            SplitSeed = reader.Integer(fields, "split_seed", "dataset.split_seed", SpecFieldBounds.Seed) ?? defaults.SplitSeed,
            Resize = reader.Text(fields, "resize", "dataset.resize", TextKind.Word) ?? defaults.Resize,
            SyntheticImages = reader.Integer(fields, "synthetic_images", "dataset.synthetic_images", SpecFieldBounds.SyntheticImages) ?? defaults.SyntheticImages,
            CaptionsPerImage = reader.Integer(fields, "captions_per_image", "dataset.captions_per_image", SpecFieldBounds.CaptionsPerImage) ?? defaults.CaptionsPerImage,
        };

        if (!ResizeModes.Contains(dataset.Resize, StringComparer.Ordinal))
        {
            problems.Add(new SpecProblem("dataset.resize", $"use one of: {string.Join(", ", ResizeModes)}"));
        }

        var needs = format switch
        {
            "captions-csv" or "flickr8k-token" => new[] { ("images", dataset.Images), ("captions", dataset.Captions) },
            "karpathy-json" or "coco-captions" => [("images", dataset.Images), ("annotations", dataset.Annotations)],
            _ => [],
        };
        foreach (var (field, value) in needs.Where(n => string.IsNullOrWhiteSpace(n.Item2)))
        {
            problems.Add(new SpecProblem($"dataset.{field}", $"format {format} needs dataset.{field}"));
        }

        return dataset;
    }

    private static List<string> ReadEncoders(Dictionary<string, SpecNode> keys, SpecNodeReader reader, OnnxTowerNames towers, List<SpecProblem> problems)
    {
        var encoders = reader.TextList(keys, "encoders", "encoders", required: true) ?? [];
        for (var i = 0; i < encoders.Count; i++)
        {
            if (towers.Text.Contains(encoders[i]))
            {
                problems.Add(new SpecProblem($"encoders[{i}]",
                    $"{SpecText.Quote(encoders[i])} is an ONNX text tower; name it under parameters.text_encoder, and an image tower here"));
            }
            else if (!EncoderCatalog.IsKnown(encoders[i]) && !towers.Image.Contains(encoders[i]) && !towers.Invalid.Contains(encoders[i]))
            {
                problems.Add(new SpecProblem($"encoders[{i}]",
                    $"unknown encoder {SpecText.Quote(encoders[i])}; known encoders: {string.Join(", ", EncoderCatalog.Names.Concat(towers.Image))}"));
            }
        }

        return encoders;
    }

    private static SortedDictionary<string, JsonNode> ReadParameters(
        Dictionary<string, SpecNode> keys, SpecNodeReader reader, string method, OnnxTowerNames towers, List<SpecProblem> problems)
    {
        var space = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        if (!keys.TryGetValue("parameters", out var node))
        {
            return space;
        }

        if (node is not SpecMapping mapping)
        {
            problems.Add(new SpecProblem("parameters", "must be a mapping of parameter name to a value or a list of values"));
            return space;
        }

        var named = reader.Keys(mapping, "parameters", [.. ParameterCatalog.Names, "encoder", "seed"], ParameterCatalog.Names);
        foreach (var (name, valueNode) in named)
        {
            var path = $"parameters.{name}";
            if (name is "encoder" or "seed")
            {
                problems.Add(new SpecProblem(path, $"name {name}s at the top level of the spec (`{name}s: [...]`), not under parameters"));
                continue;
            }

            var rule = ParameterCatalog.Get(name);
            if (name == "text_encoder")
            {
                // The spec's ONNX text towers and the built-in ones are text encoders of this spec too.
                rule = rule with { Allowed = [.. rule.Allowed ?? [], .. towers.Text, .. towers.Invalid] };
            }

            var domain = valueNode switch
            {
                SpecMapping perTower when rule.Kind == ParameterKind.TowerWeights =>
                    reader.PretrainedMapping(perTower, path) is { } one ? new JsonArray(one) : (JsonNode?)null,
                SpecMapping range => reader.Range(range, path, rule, method),
                SpecSequence list => reader.ValueList(list, path, rule),
                SpecScalar scalar => reader.Value(scalar, path, rule) is { } one ? new JsonArray(one) : (JsonNode?)null,
                _ => null,
            };
            if (domain is not null)
            {
                space[name] = domain;
            }
        }

        return space;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
