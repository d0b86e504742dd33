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

/// <summary>What a spec may say about one job parameter: its kind and the rule its values obey.</summary>
public sealed record ParameterRule(string Name, ParameterKind Kind, Func<object, string?> Check);

/// <summary>
/// The tunable parameters of <see cref="JobParameters"/> (everything but encoder and seed, which a spec names
/// at its top level), each with its rule. Kinds come from the record itself, so a field added there is
/// known here at once; a field without a rule below accepts any value of its kind.
/// </summary>
public static class ParameterCatalog
{
    public static readonly IReadOnlyList<string> Losses = ["study", "infonce"];
    public static readonly IReadOnlyList<string> TextEncoders = ["distilbert-base-uncased", "small-transformer"];

    // The small transformer's vocabulary is built per job from its captions, so no weights can exist for it.
    private static readonly IReadOnlyList<string> TextEncodersWithPublishedWeights = ["distilbert-base-uncased"];

    private static readonly Dictionary<string, Func<object, string?>> Checks = new(StringComparer.Ordinal)
    {
        ["batch_size"] = AtLeast(1),
        ["num_workers"] = AtLeast(0),
        ["epochs"] = AtLeast(1),
        ["patience"] = AtLeast(0),
        ["max_length"] = AtLeast(2),
        ["image_size"] = AtLeast(16),
        ["projection_layers"] = AtLeast(1),
        ["projection_dim"] = AtLeast(1),
        ["text_layers"] = AtLeast(1),
        ["text_width"] = AtLeast(1),
        ["text_heads"] = AtLeast(1),
        ["head_lr"] = Positive,
        ["image_encoder_lr"] = Positive,
        ["text_encoder_lr"] = Positive,
        ["temperature"] = Positive,
        ["weight_decay"] = v => (double)v >= 0 ? null : "must be zero or positive",
        ["factor"] = v => (double)v is > 0 and < 1 ? null : "must be between 0 and 1 (exclusive): the learning rate is multiplied by it",
        ["dropout"] = v => (double)v is >= 0 and < 1 ? null : "must be in [0, 1)",
        ["loss"] = OneOf(Losses),
        ["text_encoder"] = OneOf(TextEncoders),
    };

    private static readonly Dictionary<string, ParameterRule> ByName = typeof(JobParameters)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, p.PropertyType))
        .Where(p => p.Name is not null and not "encoder" and not "seed")
        .ToDictionary(
            p => p.Name!,
            p => new ParameterRule(p.Name!, KindOf(p.PropertyType), Checks.GetValueOrDefault(p.Name!, _ => null)),
            StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static bool TryGet(string name, out ParameterRule rule) => ByName.TryGetValue(name, out rule!);

    public static bool TextEncoderHasPublishedWeights(string name) => TextEncodersWithPublishedWeights.Contains(name, StringComparer.Ordinal);

    private static ParameterKind KindOf(Type type) =>
        type == typeof(int) ? ParameterKind.WholeNumber
        : type == typeof(double) ? ParameterKind.Number
        : type == typeof(bool) ? ParameterKind.Boolean
        : type == typeof(PretrainedWeights) ? ParameterKind.TowerWeights
        : ParameterKind.Text;

    private static Func<object, string?> AtLeast(int minimum) =>
        v => (long)v >= minimum ? null : $"must be at least {minimum}";

    private static string? Positive(object v) => (double)v > 0 ? null : "must be positive (greater than 0)";

    private static Func<object, string?> OneOf(IReadOnlyList<string> allowed) =>
        v => allowed.Contains((string)v, StringComparer.Ordinal) ? null : $"must be one of: {string.Join(", ", allowed)}";
}
