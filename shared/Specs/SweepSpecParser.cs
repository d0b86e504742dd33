using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Orchestrator.Shared.Suggestions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// Reads a sweep spec (YAML, or JSON, which is YAML too), validates it completely and expands it into jobs.
/// Every problem is reported with its YAML path; a spec with any problem yields no jobs at all.
/// </summary>
public static partial class SweepSpecParser
{
    private static readonly string[] TopLevelKeys =
        ["name", "description", "dataset", "encoders", "method", "count", "seed", "seeds", "max_attempts", "priority", "parameters", "schedule"];

    private static readonly string[] DatasetKeys =
        ["format", "images", "captions", "annotations", "val_fraction", "split_seed", "resize", "synthetic_images", "captions_per_image"];

    private static readonly string[] Methods = ["grid", "random"];
    private static readonly string[] ResizeModes = ["squash", "center-crop"];

    /// <summary>Parses, validates and expands; throws <see cref="SpecValidationException"/> listing every problem.</summary>
    public static ParsedSweep Parse(string text, SweepLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<SpecProblem>();
        var spec = Read(text, problems);
        if (spec is null || problems.Count > 0)
        {
            throw new SpecValidationException(problems);
        }

        var jobs = SweepExpander.Expand(spec, limits ?? SweepLimits.Default, problems);
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

    private static SweepSpec? Read(string text, List<SpecProblem> problems)
    {
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0)
            {
                problems.Add(new SpecProblem("(spec)", "the spec is empty"));
                return null;
            }

            if (stream.Documents[0].RootNode is not YamlMappingNode mapping)
            {
                problems.Add(new SpecProblem("(spec)", "the spec must be a mapping of keys (name, dataset, encoders, parameters, …)"));
                return null;
            }

            root = mapping;
        }
        catch (YamlException ex)
        {
            problems.Add(new SpecProblem($"(line {ex.Start.Line}, column {ex.Start.Column})", "not valid YAML: " + ex.Message));
            return null;
        }

        var reader = new NodeReader(problems);
        var keys = reader.Keys(root, string.Empty, TopLevelKeys);

        var name = reader.Text(keys, "name", "name", required: true);
        if (name is not null && !NamePattern().IsMatch(name))
        {
            problems.Add(new SpecProblem("name", "use 1–100 letters, digits, '.', '_' or '-'"));
        }

        var method = reader.Text(keys, "method", "method") ?? "grid";
        if (!Methods.Contains(method, StringComparer.Ordinal))
        {
            problems.Add(new SpecProblem("method", $"unknown method '{method}'; use one of: {string.Join(", ", Methods)}"));
        }

        var count = reader.Integer(keys, "count", "count", minimum: 1);
        if (method == "random" && count is null && !keys.ContainsKey("count"))
        {
            problems.Add(new SpecProblem("count", "method random needs count: how many combinations to draw"));
        }
        else if (method == "grid" && keys.ContainsKey("count"))
        {
            problems.Add(new SpecProblem("count", "count applies to method random only; a grid runs every combination"));
        }

        var seeds = reader.IntegerList(keys, "seeds", "seeds") ?? [0];
        var spec = new SweepSpec
        {
            Name = name ?? string.Empty,
            Description = reader.Text(keys, "description", "description"),
            Dataset = ReadDataset(keys, reader, problems),
            Encoders = ReadEncoders(keys, reader, problems),
            Method = method,
            Count = count,
            Seed = reader.Integer(keys, "seed", "seed") ?? 0,
            Seeds = seeds,
            MaxAttempts = reader.Integer(keys, "max_attempts", "max_attempts", minimum: 1, maximum: 100) ?? 3,
            Priority = reader.Integer(keys, "priority", "priority") ?? 0,
            Parameters = ReadParameters(keys, reader, method, problems),
            Schedule = ReadSchedule(keys, reader, problems),
        };
        return spec;
    }

    private static DatasetSpec ReadDataset(Dictionary<string, YamlNode> keys, NodeReader reader, List<SpecProblem> problems)
    {
        if (!keys.TryGetValue("dataset", out var node))
        {
            problems.Add(new SpecProblem("dataset", "missing: name the dataset (format: synthetic, captions-csv, flickr8k-token, karpathy-json or coco-captions)"));
            return new DatasetSpec();
        }

        if (node is not YamlMappingNode mapping)
        {
            problems.Add(new SpecProblem("dataset", "must be a mapping with at least `format`"));
            return new DatasetSpec();
        }

        var fields = reader.Keys(mapping, "dataset", DatasetKeys);
        var defaults = new DatasetSpec();
        var format = reader.Text(fields, "format", "dataset.format", required: true) ?? defaults.Format;
        if (!DatasetSpec.KnownFormats.Contains(format, StringComparer.Ordinal))
        {
            problems.Add(new SpecProblem("dataset.format", $"unknown format '{format}'; use one of: {string.Join(", ", DatasetSpec.KnownFormats)}"));
        }

        var dataset = new DatasetSpec
        {
            Format = format,
            Images = reader.Text(fields, "images", "dataset.images"),
            Captions = reader.Text(fields, "captions", "dataset.captions"),
            Annotations = reader.Text(fields, "annotations", "dataset.annotations"),
            ValFraction = reader.Number(fields, "val_fraction", "dataset.val_fraction") ?? defaults.ValFraction,
            SplitSeed = reader.Integer(fields, "split_seed", "dataset.split_seed") ?? defaults.SplitSeed,
            Resize = reader.Text(fields, "resize", "dataset.resize") ?? defaults.Resize,
            SyntheticImages = reader.Integer(fields, "synthetic_images", "dataset.synthetic_images", minimum: 10) ?? defaults.SyntheticImages,
            CaptionsPerImage = reader.Integer(fields, "captions_per_image", "dataset.captions_per_image", minimum: 1) ?? defaults.CaptionsPerImage,
        };

        if (dataset.ValFraction is <= 0 or >= 1)
        {
            problems.Add(new SpecProblem("dataset.val_fraction", "must be between 0 and 1 (exclusive)"));
        }

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

    private static List<string> ReadEncoders(Dictionary<string, YamlNode> keys, NodeReader reader, List<SpecProblem> problems)
    {
        var encoders = reader.TextList(keys, "encoders", "encoders", required: true) ?? [];
        for (var i = 0; i < encoders.Count; i++)
        {
            if (!EncoderCatalog.IsKnown(encoders[i]))
            {
                problems.Add(new SpecProblem($"encoders[{i}]",
                    $"unknown encoder '{encoders[i]}'; known encoders: {string.Join(", ", EncoderCatalog.Names)}"));
            }
        }

        return encoders;
    }

    private static SortedDictionary<string, JsonNode> ReadParameters(
        Dictionary<string, YamlNode> keys, NodeReader reader, string method, List<SpecProblem> problems)
    {
        var space = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        if (!keys.TryGetValue("parameters", out var node))
        {
            return space;
        }

        if (node is not YamlMappingNode mapping)
        {
            problems.Add(new SpecProblem("parameters", "must be a mapping of parameter name to a value or a list of values"));
            return space;
        }

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var name = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            var path = $"parameters.{name}";
            if (name is "encoder" or "seed")
            {
                problems.Add(new SpecProblem(path, $"name {name}s at the top level of the spec (`{name}s: [...]`), not under parameters"));
                continue;
            }

            if (!ParameterCatalog.TryGet(name, out var rule))
            {
                problems.Add(new SpecProblem(path, NodeReader.UnknownKeyMessage(name, ParameterCatalog.Names)));
                continue;
            }

            var domain = valueNode switch
            {
                YamlMappingNode perTower when rule.Kind == ParameterKind.TowerWeights =>
                    reader.PretrainedMapping(perTower, path) is { } one ? new JsonArray(one) : (JsonNode?)null,
                YamlMappingNode range => reader.Range(range, path, rule, method),
                YamlSequenceNode list => reader.ValueList(list, path, rule),
                YamlScalarNode scalar => reader.Value(scalar, path, rule) is { } one ? new JsonArray(one) : (JsonNode?)null,
                _ => null,
            };
            if (domain is not null)
            {
                space[name] = domain;
            }
        }

        return space;
    }

    private static string? ReadSchedule(Dictionary<string, YamlNode> keys, NodeReader reader, List<SpecProblem> problems)
    {
        var schedule = reader.Text(keys, "schedule", "schedule");
        if (schedule is not null && schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length is < 5 or > 7)
        {
            problems.Add(new SpecProblem("schedule", "must be a cron expression of 5 to 7 fields, e.g. \"0 3 * * *\""));
        }

        return schedule;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>Typed reads of YAML nodes that record a problem, with its path, instead of throwing.</summary>
    private sealed class NodeReader(List<SpecProblem> problems)
    {
        public static string UnknownKeyMessage(string key, IEnumerable<string> known)
        {
            var knownList = known.OrderBy(k => k, StringComparer.Ordinal).ToList();
            var hint = NearestName.Among(key, knownList) is { } closest ? $" (did you mean '{closest}'?)" : string.Empty;
            return $"unknown key '{key}'{hint}; known keys: {string.Join(", ", knownList)}";
        }

        public Dictionary<string, YamlNode> Keys(YamlMappingNode mapping, string path, IReadOnlyCollection<string> known)
        {
            var keys = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
                var keyPath = path.Length == 0 ? key : $"{path}.{key}";
                if (!known.Contains(key))
                {
                    problems.Add(new SpecProblem(keyPath, UnknownKeyMessage(key, known)));
                }
                else if (!keys.TryAdd(key, value))
                {
                    problems.Add(new SpecProblem(keyPath, "given twice"));
                }
            }

            return keys;
        }

        public string? Text(Dictionary<string, YamlNode> keys, string key, string path, bool required = false)
        {
            if (!keys.TryGetValue(key, out var node))
            {
                if (required)
                {
                    problems.Add(new SpecProblem(path, "missing"));
                }

                return null;
            }

            if (node is YamlScalarNode { Value: { Length: > 0 } value })
            {
                return value;
            }

            problems.Add(new SpecProblem(path, "expected a non-empty text value"));
            return null;
        }

        public int? Integer(Dictionary<string, YamlNode> keys, string key, string path, int minimum = int.MinValue, int maximum = int.MaxValue)
        {
            if (!keys.TryGetValue(key, out var node))
            {
                return null;
            }

            if (node is YamlScalarNode scalar && !IsQuoted(scalar) &&
                int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                if (value < minimum || value > maximum)
                {
                    problems.Add(new SpecProblem(path, maximum == int.MaxValue ? $"must be at least {minimum}" : $"must be between {minimum} and {maximum}"));
                    return null;
                }

                return value;
            }

            problems.Add(new SpecProblem(path, $"expected a whole number, got {Describe(node)}"));
            return null;
        }

        public double? Number(Dictionary<string, YamlNode> keys, string key, string path)
        {
            if (!keys.TryGetValue(key, out var node))
            {
                return null;
            }

            if (node is YamlScalarNode scalar && TryNumber(scalar, out var value))
            {
                return value;
            }

            problems.Add(new SpecProblem(path, $"expected a number, got {Describe(node)}"));
            return null;
        }

        public List<string>? TextList(Dictionary<string, YamlNode> keys, string key, string path, bool required)
        {
            var items = Sequence(keys, key, path, required);
            if (items is null)
            {
                return null;
            }

            var values = new List<string>();
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is YamlScalarNode { Value: { Length: > 0 } text })
                {
                    AddDistinct(values, text, $"{path}[{i}]");
                }
                else
                {
                    problems.Add(new SpecProblem($"{path}[{i}]", $"expected a name, got {Describe(items[i])}"));
                }
            }

            return values;
        }

        public List<int>? IntegerList(Dictionary<string, YamlNode> keys, string key, string path)
        {
            var items = Sequence(keys, key, path, required: false);
            if (items is null)
            {
                return null;
            }

            var values = new List<int>();
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is YamlScalarNode scalar && !IsQuoted(scalar) &&
                    int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                {
                    AddDistinct(values, value, $"{path}[{i}]");
                }
                else
                {
                    problems.Add(new SpecProblem($"{path}[{i}]", $"expected a whole number, got {Describe(items[i])}"));
                }
            }

            return values;
        }

        public JsonArray? ValueList(YamlSequenceNode list, string path, ParameterRule rule)
        {
            if (list.Children.Count == 0)
            {
                problems.Add(new SpecProblem(path, "empty list: give at least one value, or leave the parameter out to use its default"));
                return null;
            }

            var values = new JsonArray();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < list.Children.Count; i++)
            {
                var itemPath = $"{path}[{i}]";
                var value = list.Children[i] switch
                {
                    YamlScalarNode scalar => Value(scalar, itemPath, rule),
                    YamlMappingNode perTower when rule.Kind == ParameterKind.TowerWeights => PretrainedMapping(perTower, itemPath),
                    var other => Refuse(itemPath, $"expected a single value, got {Describe(other)}"),
                };
                if (value is null)
                {
                    continue;
                }

                if (!seen.Add(value.ToJsonString()))
                {
                    problems.Add(new SpecProblem(itemPath, $"duplicate value {value.ToJsonString()}: each value may appear once"));
                    continue;
                }

                values.Add(value);
            }

            return values;
        }

        public JsonNode? Value(YamlScalarNode scalar, string path, ParameterRule rule)
        {
            JsonNode? value = null;
            switch (rule.Kind)
            {
                case ParameterKind.WholeNumber when !IsQuoted(scalar) &&
                                                long.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole):
                    if (whole is < int.MinValue or > int.MaxValue)
                    {
                        problems.Add(new SpecProblem(path, $"{whole} is out of range"));
                        return null;
                    }

                    value = Checked((int)whole, whole, path, rule);
                    break;
                case ParameterKind.Number when TryNumber(scalar, out var number):
                    value = Checked(number, number, path, rule);
                    break;
                case ParameterKind.Boolean or ParameterKind.TowerWeights when !IsQuoted(scalar) && bool.TryParse(scalar.Value, out var flag):
                    value = Checked(flag, flag, path, rule);
                    break;
                case ParameterKind.Text when !string.IsNullOrEmpty(scalar.Value):
                    value = Checked(scalar.Value, scalar.Value, path, rule);
                    break;
                default:
                    problems.Add(new SpecProblem(path, $"expected {Article(rule.Kind)}, got {Describe(scalar)}"));
                    break;
            }

            return value;
        }

        /// <summary>`{image: V, text: V}` of `pretrained`, each V true, false or a path; null after recording its problems.</summary>
        public JsonNode? PretrainedMapping(YamlMappingNode mapping, string path)
        {
            var before = problems.Count;
            var fields = Keys(mapping, path, PretrainedWeights.Towers);
            if (mapping.Children.Count == 0)
            {
                problems.Add(new SpecProblem(path, $"an empty mapping names no tower: give {string.Join(" and/or ", PretrainedWeights.Towers)}, or true/false for both"));
            }

            TowerWeights Side(string tower)
            {
                if (!fields.TryGetValue(tower, out var node))
                {
                    return TowerWeights.PublishedIfAny;
                }

                if (node is YamlScalarNode scalar && !IsQuoted(scalar) && bool.TryParse(scalar.Value, out var flag))
                {
                    return flag ? TowerWeights.Published : TowerWeights.Scratch;
                }

                if (node is YamlScalarNode { Value: { } text } && !string.IsNullOrWhiteSpace(text))
                {
                    return TowerWeights.FromFile(text);
                }

                problems.Add(new SpecProblem($"{path}.{tower}", $"expected true, false or a path, got {Describe(node)}"));
                return TowerWeights.PublishedIfAny;
            }

            var value = new PretrainedWeights(Side(PretrainedWeights.ImageTower), Side(PretrainedWeights.TextTower));
            return problems.Count > before ? null : JsonSerializer.SerializeToNode(value);
        }

        public JsonObject? Range(YamlMappingNode mapping, string path, ParameterRule rule, string method)
        {
            if (method != "random")
            {
                problems.Add(new SpecProblem(path, "a {min, max} range needs method random; a grid takes a list of values"));
                return null;
            }

            if (rule.Kind is not (ParameterKind.WholeNumber or ParameterKind.Number))
            {
                problems.Add(new SpecProblem(path, $"a range needs a numeric parameter; {rule.Name} takes {Article(rule.Kind)}: give a list"));
                return null;
            }

            var fields = Keys(mapping, path, ["min", "max", "log"]);
            var min = Number(fields, "min", $"{path}.min");
            var max = Number(fields, "max", $"{path}.max");
            var log = fields.TryGetValue("log", out var logNode) && logNode is YamlScalarNode { Value: "true" };
            if (min is null || max is null)
            {
                if (!fields.ContainsKey("min") || !fields.ContainsKey("max"))
                {
                    problems.Add(new SpecProblem(path, "a range needs both min and max"));
                }

                return null;
            }

            var before = problems.Count;
            foreach (var (bound, boundPath) in new[] { (min.Value, $"{path}.min"), (max.Value, $"{path}.max") })
            {
                var message = rule.Check(rule.Kind == ParameterKind.WholeNumber ? (long)bound : bound);
                if (message is not null)
                {
                    problems.Add(new SpecProblem(boundPath, $"{Format(bound)} {message}"));
                }
            }

            if (min >= max)
            {
                problems.Add(new SpecProblem(path, "min must be below max"));
            }

            if (log && min <= 0)
            {
                problems.Add(new SpecProblem($"{path}.min", "a log range needs a positive min"));
            }

            return problems.Count > before ? null : new JsonObject { ["min"] = min, ["max"] = max, ["log"] = log };
        }

        private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        private JsonNode? Refuse(string path, string message)
        {
            problems.Add(new SpecProblem(path, message));
            return null;
        }

        private JsonValue? Checked<T>(T value, object checkedAs, string path, ParameterRule rule)
        {
            var message = rule.Check(checkedAs);
            if (message is null)
            {
                return JsonValue.Create(value);
            }

            problems.Add(new SpecProblem(path, $"{Convert.ToString(checkedAs, CultureInfo.InvariantCulture)} {message}"));
            return null;
        }

        private IList<YamlNode>? Sequence(Dictionary<string, YamlNode> keys, string key, string path, bool required)
        {
            if (!keys.TryGetValue(key, out var node))
            {
                if (required)
                {
                    problems.Add(new SpecProblem(path, "missing"));
                }

                return null;
            }

            if (node is not YamlSequenceNode sequence)
            {
                problems.Add(new SpecProblem(path, $"expected a list, got {Describe(node)}"));
                return null;
            }

            if (sequence.Children.Count == 0)
            {
                problems.Add(new SpecProblem(path, "empty list: give at least one value"));
            }

            return sequence.Children;
        }

        private void AddDistinct<T>(List<T> values, T value, string path)
        {
            if (values.Contains(value))
            {
                problems.Add(new SpecProblem(path, $"duplicate value '{value}'"));
                return;
            }

            values.Add(value);
        }

        private static bool TryNumber(YamlScalarNode scalar, out double value)
        {
            value = 0;
            return !IsQuoted(scalar) &&
                   double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out value) &&
                   double.IsFinite(value);
        }

        private static bool IsQuoted(YamlScalarNode scalar) => scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted;

        private static string Article(ParameterKind kind) => kind switch
        {
            ParameterKind.WholeNumber => "a whole number",
            ParameterKind.Number => "a number",
            ParameterKind.Boolean => "true or false",
            ParameterKind.TowerWeights => "true, false or a mapping {image: true|false|PATH, text: true|false|PATH} (a path belongs to one tower)",
            _ => "a text value",
        };

        private static string Describe(YamlNode node) => node switch
        {
            YamlScalarNode s when IsQuoted(s) => $"the text \"{s.Value}\"",
            YamlScalarNode s => $"'{s.Value}'",
            YamlSequenceNode => "a list",
            YamlMappingNode => "a mapping",
            _ => "something else",
        };
    }
}
