using System.Reflection;
using System.Text.Json.Serialization;

namespace Orchestrator.Shared.Specs;

/// <summary>The kind of value a job parameter takes.</summary>
public enum ParameterKind
{
    WholeNumber,
    Number,
    Boolean,
    Text,

    /// <summary>`pretrained`: true, false, or a mapping of tower (image, text) to true, false or a path.</summary>
    TowerWeights,
}

/// <summary>
/// The tunable parameters of <see cref="JobParameters"/> (everything but encoder and seed, which a spec names
/// at its top level), each with its rule. Kinds come from the record itself, so a field added there is
/// known here at once; a field without bounds or allowed values below accepts any value of its kind.
/// </summary>
public static class ParameterCatalog
{
    public static readonly IReadOnlyList<string> Losses = ["study", "infonce"];
    public static readonly IReadOnlyList<string> TextEncoders = ["distilbert-base-uncased", "small-transformer"];

    // The small transformer's vocabulary is built per job from its captions, so no weights can exist for it.
    private static readonly IReadOnlyList<string> TextEncodersWithPublishedWeights = ["distilbert-base-uncased"];

    // Upper bounds keep out typos (epochs: 1000000000) and values no worker could run; they are generous enough
    // for any real study. Every whole number has one, so a value always fits the job's 32-bit field.
    private static readonly Dictionary<string, ValueBounds> Bounds = new(StringComparer.Ordinal)
    {
        ["batch_size"] = ValueBounds.Whole(1, 65_536),
        ["num_workers"] = ValueBounds.Whole(0, 256),
        ["epochs"] = ValueBounds.Whole(1, 10_000),
        ["patience"] = ValueBounds.Whole(0, 10_000),
        ["max_length"] = ValueBounds.Whole(2, 4_096),
        ["image_size"] = ValueBounds.Whole(16, 1_024),
        ["projection_layers"] = ValueBounds.Whole(1, 64),
        ["projection_dim"] = ValueBounds.Whole(1, 16_384),
        ["text_layers"] = ValueBounds.Whole(1, 64),
        ["text_width"] = ValueBounds.Whole(1, 16_384),
        ["text_heads"] = ValueBounds.Whole(1, 256),
        ["head_lr"] = ValueBounds.PositiveUpTo(10),
        ["image_encoder_lr"] = ValueBounds.PositiveUpTo(10),
        ["text_encoder_lr"] = ValueBounds.PositiveUpTo(10),
        ["temperature"] = ValueBounds.PositiveUpTo(100),
        ["weight_decay"] = new(0, 10),
        ["factor"] = new(0, 1, ExcludesMinimum: true, ExcludesMaximum: true) { Note = "the learning rate is multiplied by it" },
        ["dropout"] = new(0, 1, ExcludesMaximum: true),
    };

    private static readonly Dictionary<string, IReadOnlyList<string>> AllowedTexts = new(StringComparer.Ordinal)
    {
        ["loss"] = Losses,
        ["text_encoder"] = TextEncoders,
    };

    // Named at the spec's top level (encoders, seeds) or resolved from the tower names (onnx_towers), not under parameters.
    private static readonly HashSet<string> NotTunable = new(StringComparer.Ordinal) { "encoder", "seed", "onnx_image_tower", "onnx_text_tower" };

    private static readonly Dictionary<string, ParameterRule> ByName = typeof(JobParameters)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, p.PropertyType))
        .Where(p => p.Name is not null && !NotTunable.Contains(p.Name))
        .ToDictionary(
            p => p.Name!,
            p => new ParameterRule(p.Name!, KindOf(p.PropertyType), Bounds.GetValueOrDefault(p.Name!), AllowedTexts.GetValueOrDefault(p.Name!)),
            StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static bool TryGet(string name, out ParameterRule rule) => ByName.TryGetValue(name, out rule!);

    public static ParameterRule Get(string name) =>
        ByName.TryGetValue(name, out var rule) ? rule : throw new ArgumentException($"'{name}' is not a job parameter", nameof(name));

    public static bool TextEncoderHasPublishedWeights(string name) => TextEncodersWithPublishedWeights.Contains(name, StringComparer.Ordinal);

    private static ParameterKind KindOf(Type type) =>
        type == typeof(int) ? ParameterKind.WholeNumber
        : type == typeof(double) ? ParameterKind.Number
        : type == typeof(bool) ? ParameterKind.Boolean
        : type == typeof(PretrainedWeights) ? ParameterKind.TowerWeights
        : ParameterKind.Text;
}
