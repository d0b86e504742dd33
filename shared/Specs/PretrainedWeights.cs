using System.Text.Json.Serialization;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// `pretrained` of a job: where its image and text towers start from. In a spec it is `true` (the study's
/// default: every tower that has published weights starts from them, the others from scratch), `false` (both
/// from scratch), or per tower `{image: V, text: V}` where V is `true` (the published weights, refused for a
/// tower that has none), `false`, or a PATH (a torchvision `.pth` for the image tower, a Hugging Face folder
/// for the text tower). A tower the mapping leaves out is treated as under `true`.
/// </summary>
/// <remarks>
/// On the wire it stays `true` or `false` whenever it can (`{image: false, text: false}` is `false`), so job
/// keys of specs written when this was a plain flag do not change; otherwise an object holding only the
/// towers the spec named.
/// </remarks>
[JsonConverter(typeof(PretrainedWeightsJsonConverter))]
public sealed record PretrainedWeights(TowerWeights Image, TowerWeights Text)
{
    public const string ImageTower = "image";
    public const string TextTower = "text";

    public static IReadOnlyList<string> Towers { get; } = [ImageTower, TextTower];

    /// <summary>`true`: published weights for every tower that has them.</summary>
    public static PretrainedWeights WherePublished { get; } = new(TowerWeights.PublishedIfAny, TowerWeights.PublishedIfAny);

    /// <summary>`false`: both towers from scratch.</summary>
    public static PretrainedWeights None { get; } = new(TowerWeights.Scratch, TowerWeights.Scratch);

    public static implicit operator PretrainedWeights(bool pretrained) => FromBoolean(pretrained);

    public static PretrainedWeights FromBoolean(bool pretrained) => pretrained ? WherePublished : None;

    /// <summary>
    /// Requests these towers cannot honour, as (field under `parameters`, message): explicit weights for a
    /// tower that has none, or a weight file for an ONNX tower (which always starts from its model file's weights). Shared by
    /// the spec parser and the training engine so both refuse the same jobs.
    /// </summary>
    public IEnumerable<(string Field, string Message)> ProblemsFor(JobParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var image = parameters.OnnxImageTower is null ? ImageProblem(parameters.Encoder) : OnnxProblem(parameters.Encoder, ImageTower, Image);
        var text = parameters.OnnxTextTower is null ? TextProblem(parameters.TextEncoder) : OnnxProblem(parameters.TextEncoder, TextTower, Text);
        return new[] { image, text }.OfType<(string, string)>();
    }

    /// <summary>As <see cref="ProblemsFor(JobParameters)"/>, for built-in towers.</summary>
    public IEnumerable<(string Field, string Message)> ProblemsFor(string encoder, string textEncoder) =>
        new[] { ImageProblem(encoder), TextProblem(textEncoder) }.OfType<(string, string)>();

    // `true` asks for the tower's published weights, which for an ONNX tower are its model file's: granted, so a
    // sweep mixing ONNX and built-in towers can ask for `{image: true}`. A file of weights cannot go into a graph.
    private static (string Field, string Message)? OnnxProblem(string tower, string side, TowerWeights weights) =>
        weights.Kind == TowerWeightsKind.File
            ? ($"pretrained.{side}", $"{tower} is an ONNX tower: it always starts from the weights in its model file; leave {side} out of pretrained or set it to true")
            : null;

    private (string Field, string Message)? ImageProblem(string encoder) =>
        Image.IsExplicit && !EncoderCatalog.HasPublishedWeights(encoder)
            ? ($"pretrained.{ImageTower}",
                $"{encoder} has no pretrained weights (it is a small tower for tests) and always starts from scratch; set {ImageTower}: false or leave it out")
            : null;

    private (string Field, string Message)? TextProblem(string textEncoder) =>
        Text.IsExplicit && !ParameterCatalog.TextEncoderHasPublishedWeights(textEncoder)
            ? ($"pretrained.{TextTower}",
                $"{textEncoder} has no pretrained weights (its vocabulary is built from the training captions) and always starts from scratch; set {TextTower}: false or leave it out")
            : null;
}

/// <summary>Where one tower's weights come from.</summary>
public enum TowerWeightsKind
{
    /// <summary>Left out, or `pretrained: true`: the published weights if the tower has any, else from scratch.</summary>
    PublishedIfAny,

    /// <summary>`true` for this tower: the published weights; a tower without them is an error.</summary>
    Published,

    /// <summary>`false`: random initialisation.</summary>
    Scratch,

    /// <summary>A path to a weight file or folder.</summary>
    File,
}

/// <summary>One tower's side of <see cref="PretrainedWeights"/>.</summary>
public sealed record TowerWeights
{
    private TowerWeights(TowerWeightsKind kind, string? path)
    {
        Kind = kind;
        Path = path;
    }

    public static TowerWeights PublishedIfAny { get; } = new(TowerWeightsKind.PublishedIfAny, null);

    public static TowerWeights Published { get; } = new(TowerWeightsKind.Published, null);

    public static TowerWeights Scratch { get; } = new(TowerWeightsKind.Scratch, null);

    public TowerWeightsKind Kind { get; }

    /// <summary>The file or folder when <see cref="Kind"/> is <see cref="TowerWeightsKind.File"/>, as the spec wrote it.</summary>
    public string? Path { get; }

    /// <summary>The spec asked for weights for this tower in particular (a `true` or a path in the mapping).</summary>
    public bool IsExplicit => Kind is TowerWeightsKind.Published or TowerWeightsKind.File;

    public static TowerWeights FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new TowerWeights(TowerWeightsKind.File, path);
    }
}
