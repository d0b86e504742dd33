using System.Text.RegularExpressions;
using static Orchestrator.Shared.Specs.SpecNodeReader;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// Reads a spec's `onnx_towers:` mapping (name → definition), recording every problem with its path. A tower's
/// name is used like a built-in encoder's, so it may not be one of theirs; image-only keys are refused on a
/// text tower and the other way round, so a definition never carries a setting that would be silently ignored.
/// </summary>
internal static partial class OnnxTowerSpecReader
{
    public const string Key = "onnx_towers";

    private static readonly string[] DefinitionKeys =
        ["kind", "model", "sha256", "output", "pool", "input", "pixels", "preprocess", "vocabulary", "lowercase"];

    private static readonly string[] ImageOnlyKeys = ["input", "pixels", "preprocess"];
    private static readonly string[] TextOnlyKeys = ["vocabulary", "lowercase"];
    private static readonly string[] PixelKeys = ["channels", "scale", "mean", "std"];

    // Generous: pixel means of 0–255 inputs are around 100, stds of 0–1 inputs around 0.2.
    private static readonly ValueBounds MeanBounds = new(-1_000, 1_000);
    private static readonly ValueBounds StdBounds = ValueBounds.PositiveUpTo(1_000);

    /// <summary>The valid definitions; <paramref name="declared"/> gets every name given, so a bad definition is not reported again as an unknown tower.</summary>
    public static SortedDictionary<string, OnnxTowerDefinition>? Read(
        Dictionary<string, SpecNode> keys, SpecNodeReader reader, List<SpecProblem> problems, HashSet<string> declared)
    {
        if (!keys.TryGetValue(Key, out var node))
        {
            return null;
        }

        var towers = new SortedDictionary<string, OnnxTowerDefinition>(StringComparer.Ordinal);
        if (node is not SpecMapping mapping)
        {
            problems.Add(new SpecProblem(Key, "must be a mapping of tower name to its definition (kind, model, …)"));
            return towers;
        }

        foreach (var (keyNode, value) in mapping.Entries)
        {
            if (keyNode is not SpecScalar { Value: var name })
            {
                problems.Add(new SpecProblem(Key, "a tower name must be text"));
                continue;
            }

            var path = PathOf(Key, name);
            if (!NamePattern().IsMatch(name))
            {
                problems.Add(new SpecProblem(path, "a tower name uses 1–100 letters, digits, '.', '_' or '-'"));
                continue;
            }

            if (EncoderCatalog.IsKnown(name) || ParameterCatalog.TextEncoders.Contains(name, StringComparer.Ordinal) || OnnxTowerCatalog.IsBuiltIn(name))
            {
                problems.Add(new SpecProblem(path, $"{SpecText.Quote(name)} is a built-in tower's name; give this one a name of its own"));
                continue;
            }

            if (towers.ContainsKey(name))
            {
                problems.Add(new SpecProblem(path, "given twice"));
                continue;
            }

            declared.Add(name);
            if (ReadDefinition(value, path, reader, problems) is { } definition)
            {
                towers[name] = definition;
            }
        }

        return towers;
    }

    private static OnnxTowerDefinition? ReadDefinition(SpecNode node, string path, SpecNodeReader reader, List<SpecProblem> problems)
    {
        if (node is not SpecMapping mapping)
        {
            problems.Add(new SpecProblem(path, "must be a mapping with at least kind (image or text) and model (the .onnx file)"));
            return null;
        }

        var before = problems.Count;
        var fields = reader.Keys(mapping, path, DefinitionKeys);
        var kind = reader.Text(fields, "kind", $"{path}.kind", TextKind.Word, required: true);
        if (kind is not null && !OnnxTowerDefinition.Kinds.Contains(kind, StringComparer.Ordinal))
        {
            problems.Add(new SpecProblem($"{path}.kind", $"{SpecText.Quote(kind)} must be one of: {string.Join(", ", OnnxTowerDefinition.Kinds)}"));
            kind = null;
        }

        var model = reader.Text(fields, "model", $"{path}.model", TextKind.Path, required: true);
        var sha256 = reader.Text(fields, "sha256", $"{path}.sha256", TextKind.Word);
        if (sha256 is not null && !Sha256Pattern().IsMatch(sha256))
        {
            problems.Add(new SpecProblem($"{path}.sha256", "must be 64 hexadecimal digits (the SHA-256 of the model file, e.g. from `sha256sum`)"));
        }

        var output = reader.Text(fields, "output", $"{path}.output", TextKind.Path);
        var pool = reader.Text(fields, "pool", $"{path}.pool", TextKind.Word);
        var input = reader.Text(fields, "input", $"{path}.input", TextKind.Path);
        var preprocess = reader.Text(fields, "preprocess", $"{path}.preprocess", TextKind.Path);
        var pixels = ReadPixels(fields, $"{path}.pixels", reader, problems);
        var vocabulary = reader.Text(fields, "vocabulary", $"{path}.vocabulary", TextKind.Path);
        var lowercase = reader.Boolean(fields, "lowercase", $"{path}.lowercase");

        if (kind == OnnxTowerDefinition.ImageKind)
        {
            RefuseKeys(fields, path, TextOnlyKeys, "an image tower", problems);
            CheckPool(pool, path, OnnxTowerDefinition.ImagePools, "an image tower", problems);
            if (pixels is not null && preprocess is not null)
            {
                problems.Add(new SpecProblem($"{path}.preprocess", "give either pixels (the input convention) or preprocess (a graph that applies it), not both"));
            }
        }
        else if (kind == OnnxTowerDefinition.TextKind)
        {
            RefuseKeys(fields, path, ImageOnlyKeys, "a text tower (its inputs input_ids, attention_mask and token_type_ids are matched by name)", problems);
            CheckPool(pool, path, OnnxTowerDefinition.TextPools, "a text tower", problems);
            if (!fields.ContainsKey("vocabulary"))
            {
                problems.Add(new SpecProblem($"{path}.vocabulary", "missing: a text tower needs the WordPiece vocab.txt its model was trained with"));
            }
        }

        if (problems.Count > before || kind is null || model is null)
        {
            return null;
        }

        var isImage = kind == OnnxTowerDefinition.ImageKind;
        return new OnnxTowerDefinition
        {
            Kind = kind,
            Model = model,
            Sha256 = sha256?.ToLowerInvariant(),
            Output = output,
            Pool = isImage ? pool : pool ?? OnnxTowerDefinition.PoolMean,
            Input = input,
            Pixels = isImage && preprocess is null ? pixels ?? OnnxPixelConvention.TorchVision : null,
            Preprocess = preprocess,
            Vocabulary = vocabulary,
            Lowercase = isImage ? null : lowercase ?? true,
        };
    }

    private static OnnxPixelConvention? ReadPixels(Dictionary<string, SpecNode> fields, string path, SpecNodeReader reader, List<SpecProblem> problems)
    {
        if (!fields.TryGetValue("pixels", out var node))
        {
            return null;
        }

        if (node is not SpecMapping mapping)
        {
            problems.Add(new SpecProblem(path, "must be a mapping {channels: rgb|bgr, scale: 1|255, mean: [3 numbers], std: [3 numbers]}"));
            return null;
        }

        var before = problems.Count;
        var keys = reader.Keys(mapping, path, PixelKeys);
        var channels = reader.Text(keys, "channels", $"{path}.channels", TextKind.Word) ?? OnnxPixelConvention.Rgb;
        if (!OnnxPixelConvention.ChannelOrders.Contains(channels, StringComparer.Ordinal))
        {
            problems.Add(new SpecProblem($"{path}.channels", $"{SpecText.Quote(channels)} must be one of: {string.Join(", ", OnnxPixelConvention.ChannelOrders)}"));
        }

        var scale = reader.Integer(keys, "scale", $"{path}.scale", ValueBounds.Whole(1, 255)) ?? 1;
        if (!OnnxPixelConvention.Scales.Contains(scale))
        {
            problems.Add(new SpecProblem($"{path}.scale", $"{scale} must be 1 (pixels in 0–1) or 255 (pixels in 0–255)"));
        }

        var mean = reader.NumberList(keys, "mean", $"{path}.mean", 3, MeanBounds);
        var std = reader.NumberList(keys, "std", $"{path}.std", 3, StdBounds);
        // Left out, mean and std are torchvision's in the given channel order and scale: the convention most models share.
        IReadOnlyList<double> Default(IReadOnlyList<double> rgb) =>
            [.. (channels == OnnxPixelConvention.Bgr ? rgb.Reverse() : rgb).Select(v => v * scale)];
        return problems.Count > before
            ? null
            : new OnnxPixelConvention
            {
                Channels = channels,
                Scale = scale,
                Mean = mean ?? Default(OnnxPixelConvention.TorchVision.Mean),
                Std = std ?? Default(OnnxPixelConvention.TorchVision.Std),
            };
    }

    private static void RefuseKeys(Dictionary<string, SpecNode> fields, string path, string[] refused, string what, List<SpecProblem> problems)
    {
        foreach (var key in refused.Where(fields.ContainsKey))
        {
            problems.Add(new SpecProblem($"{path}.{key}", $"does not apply to {what}"));
        }
    }

    private static void CheckPool(string? pool, string path, IReadOnlyList<string> allowed, string what, List<SpecProblem> problems)
    {
        if (pool is not null && !allowed.Contains(pool, StringComparer.Ordinal))
        {
            problems.Add(new SpecProblem($"{path}.pool", $"{SpecText.Quote(pool)} does not apply to {what}; use one of: {string.Join(", ", allowed)}"));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9a-fA-F]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Pattern();
}
