using System.Security.Cryptography;
using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Onnx;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>
/// An ONNX tower's files on this worker, checked before any data is read: the model file exists and has the
/// definition's checksum, its graph parses, every operator the tower's output needs is supported, the inputs can
/// be fed (pixels; or input_ids, attention_mask, token_type_ids by name), and a preprocessing graph fits the
/// job's image size. Every problem is a permanent job error naming the file and what to do.
/// </summary>
public sealed record OnnxTowerFiles(string Name, OnnxTowerDefinition Definition, OnnxGraph Graph, string Sha256)
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string TokenTypeIds = "token_type_ids";

    private static readonly string[] TextInputs = [InputIds, AttentionMask, TokenTypeIds];

    /// <summary>The preprocessing graph (image towers with `preprocess:`).</summary>
    public OnnxGraph? Preprocess { get; init; }

    /// <summary>The WordPiece vocab.txt (text towers).</summary>
    public string? VocabularyPath { get; init; }

    /// <summary>The graph value the tower reads: the definition's output, else the graph's only output.</summary>
    public string Output => Definition.Output ?? Graph.Outputs[0].Name;

    /// <summary>The tower's files, or null after adding every problem to <paramref name="problems"/> (field: encoder or text_encoder).</summary>
    public static OnnxTowerFiles? Resolve(
        string name, OnnxTowerDefinition definition, JobParameters parameters, string? weightsDirectory, List<JobProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(problems);
        var field = definition.IsImage ? "encoder" : "text_encoder";
        var before = problems.Count;
        var modelPath = Existing(name, definition.Model, weightsDirectory, field, "model", problems);
        var vocabularyPath = definition.Vocabulary is { } vocabulary ? Existing(name, vocabulary, weightsDirectory, field, "vocabulary", problems) : null;
        var preprocessPath = definition.Preprocess is { } preprocess ? Existing(name, preprocess, weightsDirectory, field, "preprocess graph", problems) : null;
        if (problems.Count > before || modelPath is null)
        {
            return null;
        }

        var sha256 = Checksum(modelPath);
        if (definition.Sha256 is { } expected && !string.Equals(expected, sha256, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new JobProblem(field,
                $"{name}: {modelPath} has SHA-256 {sha256}, but the job asks for {expected}; the file differs from the one the sweep was submitted with " +
                $"(replace it, e.g. with `orch-worker weights fetch {name}`, or submit the sweep again with this file's checksum)"));
            return null;
        }

        var graph = Load(name, modelPath, field, problems);
        var preprocessGraph = preprocessPath is null ? null : Load(name, preprocessPath, field, problems);
        if (graph is null || (preprocessPath is not null && preprocessGraph is null))
        {
            return null;
        }

        var files = new OnnxTowerFiles(name, definition, graph, sha256) { Preprocess = preprocessGraph, VocabularyPath = vocabularyPath };
        files.Check(parameters, field, problems);
        return problems.Count > before ? null : files;
    }

    /// <summary>The graph input that takes the pixels (image towers).</summary>
    public string ImageInput => Definition.Input ?? Graph.Inputs[0].Name;

    private static string? Existing(string name, string path, string? weightsDirectory, string field, string what, List<JobProblem> problems)
    {
        var full = Path.IsPathRooted(path) || string.IsNullOrWhiteSpace(weightsDirectory) ? Path.GetFullPath(path) : Path.Combine(weightsDirectory, path);
        if (File.Exists(full))
        {
            return full;
        }

        var relative = Path.IsPathRooted(path) ? "" : string.IsNullOrWhiteSpace(weightsDirectory)
            ? " (a relative path is taken from the weights directory, and none is configured: --weights-dir or ORCH_WEIGHTS_DIR)"
            : " (a relative path is taken from the weights directory)";
        var fetch = OnnxTowerCatalog.IsBuiltIn(name)
            ? $"run `orch-worker weights fetch {name}` to put it there"
            : "copy the file there";
        problems.Add(new JobProblem(field, $"{name}: ONNX {what} not found: {full}{relative}; {fetch}"));
        return null;
    }

    private static string Checksum(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static OnnxGraph? Load(string name, string path, string field, List<JobProblem> problems)
    {
        try
        {
            return OnnxGraph.Load(path);
        }
        catch (OnnxImportException e)
        {
            problems.Add(new JobProblem(field, $"{name}: {path} is not a usable ONNX model: {e.Message}"));
            return null;
        }
    }

    private void Check(JobParameters parameters, string field, List<JobProblem> problems)
    {
        void Problem(string message) => problems.Add(new JobProblem(field, $"{Name}: {message}"));

        if (Definition.Output is null && Graph.Outputs.Count != 1)
        {
            Problem($"{Graph.Origin} has {Graph.Outputs.Count} outputs ({string.Join(", ", Graph.Outputs.Select(o => o.Name))}); name one with output:");
            return;
        }

        if (!Graph.Produces(Output))
        {
            Problem($"{Graph.Origin} has no value named '{Output}'; its outputs: {string.Join(", ", Graph.Outputs.Select(o => o.Name))}");
            return;
        }

        problems.AddRange(Graph.Unsupported([Output]).Select(u => new JobProblem(field, $"{Name}: {Graph.Origin}: {u}")));
        if (Definition.IsImage)
        {
            CheckImageInput(parameters.ImageSize, Problem);
        }
        else
        {
            var unmatched = Graph.Inputs.Select(i => i.Name).Where(n => !TextInputs.Contains(n, StringComparer.Ordinal)).ToList();
            if (unmatched.Count > 0 || !Graph.Inputs.Any(i => i.Name == InputIds))
            {
                Problem($"{Graph.Origin} takes inputs {string.Join(", ", Graph.Inputs.Select(i => i.Name))}; a text tower feeds {string.Join(", ", TextInputs)} " +
                    $"by name and needs {InputIds}{(unmatched.Count > 0 ? $" (cannot feed {string.Join(", ", unmatched)})" : "")}");
            }
        }
    }

    private void CheckImageInput(int imageSize, Action<string> problem)
    {
        if (Definition.Input is { } input ? Graph.Inputs.All(i => i.Name != input) : Graph.Inputs.Count != 1)
        {
            problem($"{Graph.Origin} takes inputs {string.Join(", ", Graph.Inputs.Select(i => i.Name))}; " +
                (Definition.Input is null ? "name the one that takes the pixels with input:" : $"none is named '{Definition.Input}'"));
            return;
        }

        if (Preprocess is { } preprocess)
        {
            CheckPreprocess(preprocess, imageSize, problem);
        }
    }

    private static void CheckPreprocess(OnnxGraph graph, int imageSize, Action<string> problem)
    {
        if (graph.Inputs.Count != 1 || graph.Outputs.Count != 1)
        {
            problem($"the preprocessing graph {graph.Origin} must take one input (RGB 0–255) and give one output, not {graph.Inputs.Count} and {graph.Outputs.Count}");
            return;
        }

        foreach (var unsupported in graph.Unsupported())
        {
            problem($"{graph.Origin}: {unsupported}");
        }

        // A graph with constants of a fixed size (ResNetPreprocess.onnx's 224×224 MeanImage) declares that size.
        var dims = graph.Inputs[0].Dimensions;
        if (dims.Count == 4 && ((dims[2] is { } h && h != imageSize) || (dims[3] is { } w && w != imageSize)))
        {
            problem($"the preprocessing graph {graph.Origin} takes {dims[2]}×{dims[3]} images, but the job's image_size is {imageSize}; " +
                "set image_size to match, or give pixels: instead of preprocess:");
        }
    }
}
