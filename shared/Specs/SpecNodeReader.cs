using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Shared.Suggestions;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// Typed reads of spec nodes that record a problem, with its path, instead of throwing. Every value a problem
/// message repeats goes through <see cref="SpecText.Quote"/>, and every text kept is checked for length and
/// characters, so nothing from a hostile spec reaches a message, a job or the database unbounded.
/// </summary>
internal sealed class SpecNodeReader(List<SpecProblem> problems, SweepLimits limits)
{
    /// <summary>Names, encoder and parameter words: short and printable.</summary>
    public const int MaxWordLength = 100;

    /// <summary>How free a text field is: what it may hold and how long it may be.</summary>
    public enum TextKind
    {
        /// <summary>A name or a word from a list: printable, at most <see cref="MaxWordLength"/> characters.</summary>
        Word,

        /// <summary>A file or folder path: printable, at most <see cref="SweepLimits.MaxTextLength"/> characters.</summary>
        Path,

        /// <summary>Prose such as a description: tabs and line breaks allowed too.</summary>
        FreeText,
    }

    public static string UnknownKeyMessage(string key, IEnumerable<string> known)
    {
        var knownList = known.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var closest = key.Length <= MaxWordLength ? NearestName.Among(key, knownList) : null;
        var hint = closest is not null ? $" (did you mean '{closest}'?)" : string.Empty;
        return $"unknown key {SpecText.Quote(key)}{hint}; known keys: {string.Join(", ", knownList)}";
    }

    /// <summary>`parent.key`, with a key that is long or holds control characters quoted so the path stays printable.</summary>
    public static string PathOf(string parent, string key)
    {
        var segment = key.Length <= MaxWordLength && SpecText.IndexOfDisallowed(key, freeText: false) < 0 ? key : SpecText.Quote(key);
        return parent.Length == 0 ? segment : $"{parent}.{segment}";
    }

    /// <summary>
    /// The mapping's values by key; unknown, repeated and non-text keys are problems. <paramref name="listed"/> are
    /// the keys an unknown-key message offers (default: <paramref name="known"/>), for keys that are recognised
    /// only to be refused with a message of their own.
    /// </summary>
    public Dictionary<string, SpecNode> Keys(SpecMapping mapping, string path, IReadOnlyCollection<string> known, IReadOnlyCollection<string>? listed = null)
    {
        var keys = new Dictionary<string, SpecNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Entries)
        {
            if (keyNode is not SpecScalar { Value: var key })
            {
                problems.Add(new SpecProblem(path.Length == 0 ? "(spec)" : path,
                    $"a key must be a name, not {Describe(keyNode)} (line {keyNode.Start.Line}, column {keyNode.Start.Column})"));
                continue;
            }

            var keyPath = PathOf(path, key);
            if (!known.Contains(key))
            {
                problems.Add(new SpecProblem(keyPath, UnknownKeyMessage(key, listed ?? known)));
            }
            else if (!keys.TryAdd(key, value))
            {
                problems.Add(new SpecProblem(keyPath, "given twice"));
            }
        }

        return keys;
    }

    public string? Text(Dictionary<string, SpecNode> keys, string key, string path, TextKind kind, bool required = false)
    {
        if (!keys.TryGetValue(key, out var node))
        {
            if (required)
            {
                problems.Add(new SpecProblem(path, "missing"));
            }

            return null;
        }

        if (node is SpecScalar { Value: { Length: > 0 } value })
        {
            return CheckedText(value, path, kind);
        }

        problems.Add(new SpecProblem(path, "expected a non-empty text value"));
        return null;
    }

    /// <summary>The text if its length and characters suit <paramref name="kind"/>; else null after recording why.</summary>
    public string? CheckedText(string value, string path, TextKind kind)
    {
        var maxLength = kind == TextKind.Word ? MaxWordLength : limits.MaxTextLength;
        if (value.Length > maxLength)
        {
            problems.Add(new SpecProblem(path, $"is {value.Length:N0} characters long; at most {maxLength:N0} are allowed"));
            return null;
        }

        var bad = SpecText.IndexOfDisallowed(value, freeText: kind == TextKind.FreeText);
        if (bad >= 0)
        {
            problems.Add(new SpecProblem(path, $"{SpecText.Quote(value)} {SpecText.DescribeDisallowed(value, bad)}" +
                (kind == TextKind.FreeText ? " (only tabs and line breaks are)" : string.Empty)));
            return null;
        }

        return value;
    }

    public int? Integer(Dictionary<string, SpecNode> keys, string key, string path, ValueBounds bounds)
    {
        if (!keys.TryGetValue(key, out var node))
        {
            return null;
        }

        return WholeNumber(node, path, bounds);
    }

    public double? Number(Dictionary<string, SpecNode> keys, string key, string path, ValueBounds? bounds = null)
    {
        if (!keys.TryGetValue(key, out var node))
        {
            return null;
        }

        if (node is not SpecScalar scalar || !TryNumber(scalar, out var value))
        {
            problems.Add(new SpecProblem(path, $"expected a number, got {Describe(node)}"));
            return null;
        }

        if (bounds is not null && !bounds.Contains(value))
        {
            problems.Add(new SpecProblem(path, $"{Format(value)} {bounds.Requirement}"));
            return null;
        }

        return value;
    }

    public bool? Boolean(Dictionary<string, SpecNode> keys, string key, string path)
    {
        if (!keys.TryGetValue(key, out var node))
        {
            return null;
        }

        if (node is SpecScalar { IsQuoted: false } scalar && bool.TryParse(scalar.Value, out var flag))
        {
            return flag;
        }

        problems.Add(new SpecProblem(path, $"expected true or false, got {Describe(node)}"));
        return null;
    }

    /// <summary>A list of exactly <paramref name="count"/> numbers, each within <paramref name="bounds"/>; null after recording why not.</summary>
    public List<double>? NumberList(Dictionary<string, SpecNode> keys, string key, string path, int count, ValueBounds bounds)
    {
        if (!keys.TryGetValue(key, out var node))
        {
            return null;
        }

        if (node is not SpecSequence { Items: var items } || items.Count != count)
        {
            problems.Add(new SpecProblem(path, $"expected a list of {count} numbers, got {(node is SpecSequence s ? $"{s.Items.Count}" : Describe(node))}"));
            return null;
        }

        var before = problems.Count;
        var values = new List<double>(count);
        for (var i = 0; i < items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (items[i] is not SpecScalar scalar || !TryNumber(scalar, out var value))
            {
                problems.Add(new SpecProblem(itemPath, $"expected a number, got {Describe(items[i])}"));
            }
            else if (!bounds.Contains(value))
            {
                problems.Add(new SpecProblem(itemPath, $"{Format(value)} {bounds.Requirement}"));
            }
            else
            {
                values.Add(value);
            }
        }

        return problems.Count > before ? null : values;
    }

    public List<string>? TextList(Dictionary<string, SpecNode> keys, string key, string path, bool required)
    {
        var items = Sequence(keys, key, path, required);
        if (items is null)
        {
            return null;
        }

        var values = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (items[i] is not SpecScalar { Value: { Length: > 0 } text })
            {
                problems.Add(new SpecProblem(itemPath, $"expected a name, got {Describe(items[i])}"));
            }
            else if (CheckedText(text, itemPath, TextKind.Word) is { } word)
            {
                AddDistinct(values, seen, word, itemPath, SpecText.Quote(word));
            }
        }

        return values;
    }

    public List<int>? IntegerList(Dictionary<string, SpecNode> keys, string key, string path, ValueBounds bounds)
    {
        var items = Sequence(keys, key, path, required: false);
        if (items is null)
        {
            return null;
        }

        var values = new List<int>();
        var seen = new HashSet<int>();
        for (var i = 0; i < items.Count; i++)
        {
            if (WholeNumber(items[i], $"{path}[{i}]", bounds) is { } value)
            {
                AddDistinct(values, seen, value, $"{path}[{i}]", value.ToString(CultureInfo.InvariantCulture));
            }
        }

        return values;
    }

    public JsonArray? ValueList(SpecSequence list, string path, ParameterRule rule)
    {
        if (list.Items.Count == 0)
        {
            problems.Add(new SpecProblem(path, "empty list: give at least one value, or leave the parameter out to use its default"));
            return null;
        }

        var values = new JsonArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var value = list.Items[i] switch
            {
                SpecScalar scalar => Value(scalar, itemPath, rule),
                SpecMapping perTower when rule.Kind == ParameterKind.TowerWeights => PretrainedMapping(perTower, itemPath),
                var other => Refuse(itemPath, $"expected a single value, got {Describe(other)}"),
            };
            if (value is null)
            {
                continue;
            }

            if (!seen.Add(value.ToJsonString()))
            {
                problems.Add(new SpecProblem(itemPath, $"duplicate value {SpecText.Quote(value.ToJsonString())}: each value may appear once"));
                continue;
            }

            values.Add(value);
        }

        return values;
    }

    public JsonNode? Value(SpecScalar scalar, string path, ParameterRule rule)
    {
        switch (rule.Kind)
        {
            case ParameterKind.WholeNumber when !scalar.IsQuoted &&
                                                long.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole):
                // Every whole-number rule lies within int, so a value that passes its check fits.
                return Checked(rule.Check(whole), path) ? JsonValue.Create((int)whole) : null;
            case ParameterKind.Number when TryNumber(scalar, out var number):
                return Checked(rule.Check(number), path) ? JsonValue.Create(number) : null;
            case ParameterKind.Boolean or ParameterKind.TowerWeights when !scalar.IsQuoted && bool.TryParse(scalar.Value, out var flag):
                return JsonValue.Create(flag);
            case ParameterKind.Text when !string.IsNullOrEmpty(scalar.Value):
                return Checked(rule.Check(scalar.Value), path) ? JsonValue.Create(scalar.Value) : null;
            default:
                problems.Add(new SpecProblem(path, $"expected {Article(rule.Kind)}, got {Describe(scalar)}"));
                return null;
        }
    }

    /// <summary>`{image: V, text: V}` of `pretrained`, each V true, false or a path; null after recording its problems.</summary>
    public JsonNode? PretrainedMapping(SpecMapping mapping, string path)
    {
        var before = problems.Count;
        var fields = Keys(mapping, path, PretrainedWeights.Towers);
        if (mapping.Entries.Count == 0)
        {
            problems.Add(new SpecProblem(path, $"an empty mapping names no tower: give {string.Join(" and/or ", PretrainedWeights.Towers)}, or true/false for both"));
        }

        TowerWeights Side(string tower)
        {
            if (!fields.TryGetValue(tower, out var node))
            {
                return TowerWeights.PublishedIfAny;
            }

            if (node is SpecScalar { IsQuoted: false } scalar && bool.TryParse(scalar.Value, out var flag))
            {
                return flag ? TowerWeights.Published : TowerWeights.Scratch;
            }

            if (node is SpecScalar { Value: { } text } && !string.IsNullOrWhiteSpace(text))
            {
                return CheckedText(text, $"{path}.{tower}", TextKind.Path) is { } file ? TowerWeights.FromFile(file) : TowerWeights.PublishedIfAny;
            }

            problems.Add(new SpecProblem($"{path}.{tower}", $"expected true, false or a path, got {Describe(node)}"));
            return TowerWeights.PublishedIfAny;
        }

        var value = new PretrainedWeights(Side(PretrainedWeights.ImageTower), Side(PretrainedWeights.TextTower));
        return problems.Count > before ? null : JsonSerializer.SerializeToNode(value);
    }

    /// <summary>`{min, max, log}` of method random: whole-number bounds for a whole-number parameter, both within its rule.</summary>
    public JsonObject? Range(SpecMapping mapping, string path, ParameterRule rule, string method)
    {
        if (method is not ("random" or TpeSpecRules.Method))
        {
            problems.Add(new SpecProblem(path, "a {min, max} range needs method random or tpe; a grid takes a list of values"));
            return null;
        }

        if (rule.Kind is not (ParameterKind.WholeNumber or ParameterKind.Number))
        {
            problems.Add(new SpecProblem(path, $"a range needs a numeric parameter; {rule.Name} takes {Article(rule.Kind)}: give a list"));
            return null;
        }

        var before = problems.Count;
        var fields = Keys(mapping, path, ["min", "max", "log"]);
        var min = Bound(fields, "min", path, rule);
        var max = Bound(fields, "max", path, rule);
        var log = false;
        if (fields.TryGetValue("log", out var logNode) &&
            !(logNode is SpecScalar { IsQuoted: false } logScalar && bool.TryParse(logScalar.Value, out log)))
        {
            problems.Add(new SpecProblem($"{path}.log", $"expected true or false, got {Describe(logNode)}"));
        }

        if (!fields.ContainsKey("min") || !fields.ContainsKey("max"))
        {
            problems.Add(new SpecProblem(path, "a range needs both min and max"));
        }

        if (min is null || max is null || problems.Count > before)
        {
            return null;
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

    private static bool TryNumber(SpecScalar scalar, out double value)
    {
        value = 0;
        return !scalar.IsQuoted &&
               double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out value) &&
               double.IsFinite(value);
    }

    private static string Article(ParameterKind kind) => kind switch
    {
        ParameterKind.WholeNumber => "a whole number",
        ParameterKind.Number => "a number",
        ParameterKind.Boolean => "true or false",
        ParameterKind.TowerWeights => "true, false or a mapping {image: true|false|PATH, text: true|false|PATH} (a path belongs to one tower)",
        _ => "a text value",
    };

    private static string Describe(SpecNode node) => node switch
    {
        SpecScalar { IsQuoted: true } s => $"the text {SpecText.Quote(s.Value)}",
        SpecScalar s => SpecText.Quote(s.Value),
        SpecSequence => "a list",
        SpecMapping => "a mapping",
        _ => "something else",
    };

    private double? Bound(Dictionary<string, SpecNode> fields, string key, string path, ParameterRule rule)
    {
        if (!fields.TryGetValue(key, out var node))
        {
            return null;
        }

        var boundPath = $"{path}.{key}";
        if (rule.Kind == ParameterKind.WholeNumber)
        {
            return node is SpecScalar scalar && Value(scalar, boundPath, rule) is { } whole ? whole.GetValue<int>() : null;
        }

        if (node is SpecScalar number && TryNumber(number, out var value))
        {
            return Checked(rule.Check(value), boundPath) ? value : null;
        }

        problems.Add(new SpecProblem(boundPath, $"expected a number, got {Describe(node)}"));
        return null;
    }

    private int? WholeNumber(SpecNode node, string path, ValueBounds bounds)
    {
        if (node is not SpecScalar { IsQuoted: false } scalar ||
            !long.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            problems.Add(new SpecProblem(path, $"expected a whole number, got {Describe(node)}"));
            return null;
        }

        if (!bounds.Contains(value))
        {
            problems.Add(new SpecProblem(path, $"{value.ToString(CultureInfo.InvariantCulture)} {bounds.Requirement}"));
            return null;
        }

        return (int)value;
    }

    private JsonNode? Refuse(string path, string message)
    {
        problems.Add(new SpecProblem(path, message));
        return null;
    }

    private bool Checked(string? problem, string path)
    {
        if (problem is not null)
        {
            problems.Add(new SpecProblem(path, problem));
        }

        return problem is null;
    }

    private List<SpecNode>? Sequence(Dictionary<string, SpecNode> keys, string key, string path, bool required)
    {
        if (!keys.TryGetValue(key, out var node))
        {
            if (required)
            {
                problems.Add(new SpecProblem(path, "missing"));
            }

            return null;
        }

        if (node is not SpecSequence sequence)
        {
            problems.Add(new SpecProblem(path, $"expected a list, got {Describe(node)}"));
            return null;
        }

        if (sequence.Items.Count == 0)
        {
            problems.Add(new SpecProblem(path, "empty list: give at least one value"));
        }

        return sequence.Items;
    }

    private void AddDistinct<T>(List<T> values, HashSet<T> seen, T value, string path, string shown)
    {
        if (!seen.Add(value))
        {
            problems.Add(new SpecProblem(path, $"duplicate value {shown}"));
            return;
        }

        values.Add(value);
    }
}
