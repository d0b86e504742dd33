using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Training;
using Orchestrator.Worker.Engine.Networks.DistilBert;
using Orchestrator.Worker.Engine.Networks.Weights;
using Orchestrator.Worker.Engine.Weights;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>A DistilBERT text tower's Hugging Face folder, and whether its model.safetensors is loaded or the model starts from scratch.</summary>
public sealed record DistilBertSource(string Folder, bool LoadWeights)
{
    public string ConfigPath => Path.Combine(Folder, DistilBertFolder.ConfigFile);

    public string VocabularyPath => Path.Combine(Folder, DistilBertFolder.VocabularyFile);

    public string WeightsPath => Path.Combine(Folder, DistilBertFolder.WeightsFile);
}

/// <summary>
/// The files a job's towers are built from on this worker: the image tower's torchvision `.pth` (null: from
/// scratch) and, for DistilBERT, its folder. Found before any data is read: with a cache that may download, a
/// published file missing from the weights directory is fetched then (torchvision's `.pth`, the Hugging Face
/// folder's files); otherwise, or when the fetch fails, the job fails at once and permanently, saying which file,
/// where it was looked for and the ways out. A relative path in the spec is taken from the weights directory, so
/// one sweep can name files that each worker keeps in its own; such paths are never downloaded.
/// </summary>
public sealed record TowerSources(string? ImageWeights, DistilBertSource? DistilBert)
{
    /// <summary>Both towers from scratch and no DistilBERT folder: the small transformer's jobs.</summary>
    public static TowerSources Scratch { get; } = new(null, null);

    /// <summary>
    /// The image tower is built as for its weight file (Google's input rescaling included) without reading one:
    /// a checkpoint fills its parameters.
    /// </summary>
    public bool ImageWeightsFromCheckpoint { get; init; }

    /// <summary>The image tower's ONNX files when the job's encoder is an ONNX tower.</summary>
    public OnnxTowerFiles? OnnxImage { get; init; }

    /// <summary>The text tower's ONNX files when the job's text_encoder is an ONNX tower.</summary>
    public OnnxTowerFiles? OnnxText { get; init; }

    /// <param name="parameters">The job's.</param>
    /// <param name="weightsDirectory">Where published files are looked for and relative paths taken from.</param>
    /// <param name="downloads">Fetches published files missing from the weights directory; null or offline: nothing is downloaded.</param>
    /// <exception cref="InvalidJobException">A file is missing or could not be fetched; every such one is listed.</exception>
    public static TowerSources Resolve(JobParameters parameters, string? weightsDirectory, WeightsCache? downloads = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var problems = new List<JobProblem>();
        var image = parameters.OnnxImageTower is null ? ResolveImage(parameters, weightsDirectory, Online(downloads), problems) : null;
        var text = parameters.TextEncoder == TextTowerRegistry.DistilBert ? ResolveDistilBert(parameters.Pretrained.Text, weightsDirectory, Online(downloads), problems, weightsFromCheckpoint: false) : null;
        var (onnxImage, onnxText) = ResolveOnnx(parameters, weightsDirectory, problems);
        return problems.Count == 0
            ? new TowerSources(image, text) { OnnxImage = onnxImage, OnnxText = onnxText }
            : throw new InvalidJobException(problems);
    }

    /// <summary>
    /// For a run resuming from a checkpoint, which holds every weight of the model: only what shapes the towers
    /// and tokenises the captions (DistilBERT's config.json and vocab.txt) is needed. The weight files the job
    /// started from may have left the machine (a job moved to another worker, a cleaned cache) without stopping it.
    /// </summary>
    /// <exception cref="InvalidJobException">DistilBERT's config.json or vocab.txt is missing (and could not be fetched).</exception>
    public static TowerSources ResolveForCheckpoint(JobParameters parameters, string? weightsDirectory, WeightsCache? downloads = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var problems = new List<JobProblem>();
        var text = parameters.TextEncoder == TextTowerRegistry.DistilBert ? ResolveDistilBert(parameters.Pretrained.Text, weightsDirectory, Online(downloads), problems, weightsFromCheckpoint: true) : null;
        // An ONNX tower's file holds its structure as well as its weights, so it is needed to resume too.
        var (onnxImage, onnxText) = ResolveOnnx(parameters, weightsDirectory, problems);
        return problems.Count == 0
            ? new TowerSources(null, text) { ImageWeightsFromCheckpoint = parameters.OnnxImageTower is null && ImageStartsFromWeights(parameters), OnnxImage = onnxImage, OnnxText = onnxText }
            : throw new InvalidJobException(problems);
    }

    private static (OnnxTowerFiles? Image, OnnxTowerFiles? Text) ResolveOnnx(JobParameters parameters, string? weightsDirectory, List<JobProblem> problems) =>
    (
        parameters.OnnxImageTower is { } image ? OnnxTowerFiles.Resolve(parameters.Encoder, image, parameters, weightsDirectory, problems) : null,
        parameters.OnnxTextTower is { } text ? OnnxTowerFiles.Resolve(parameters.TextEncoder, text, parameters, weightsDirectory, problems) : null
    );

    private static bool ImageStartsFromWeights(JobParameters parameters) => parameters.Pretrained.Image.Kind switch
    {
        TowerWeightsKind.Scratch => false,
        TowerWeightsKind.PublishedIfAny => EncoderCatalog.HasPublishedWeights(parameters.Encoder),
        _ => true,
    };

    // Offline keeps the exact behaviour (and message) from before downloads existed.
    private static WeightsCache? Online(WeightsCache? downloads) => downloads is { Settings.Offline: false } ? downloads : null;

    private static string? ResolveImage(JobParameters parameters, string? weightsDirectory, WeightsCache? downloads, List<JobProblem> problems)
    {
        const string field = "pretrained." + PretrainedWeights.ImageTower;
        var side = parameters.Pretrained.Image;
        switch (side.Kind)
        {
            case TowerWeightsKind.Scratch:
            case TowerWeightsKind.PublishedIfAny when !EncoderCatalog.HasPublishedWeights(parameters.Encoder):
                return null;
            case TowerWeightsKind.File:
                var path = InWeightsDirectory(side.Path!, weightsDirectory);
                if (!File.Exists(path))
                {
                    problems.Add(new JobProblem(field, $"weight file not found: {path}{RelativeNote(side.Path!, weightsDirectory)}"));
                }

                return path;
            default:
                try
                {
                    return downloads is null
                        ? ImageTowerWeights.ResolvePretrained(parameters.Encoder, weightsDirectory)
                        : downloads.Ensure(WeightsCatalog.Torchvision(parameters.Encoder, downloads.Settings));
                }
                catch (Exception e) when (e is WeightLoadException or WeightsUnavailableException)
                {
                    problems.Add(new JobProblem(field, e.Message));
                    return null;
                }
        }
    }

    /// <summary>
    /// DistilBERT needs its folder even from scratch: config.json sizes the model and vocab.txt tokenises the
    /// captions; model.safetensors only when its weights are loaded.
    /// </summary>
    private static DistilBertSource? ResolveDistilBert(TowerWeights side, string? weightsDirectory, WeightsCache? downloads, List<JobProblem> problems, bool weightsFromCheckpoint)
    {
        var load = side.Kind != TowerWeightsKind.Scratch && !weightsFromCheckpoint;
        var field = side.Kind != TowerWeightsKind.Scratch ? "pretrained." + PretrainedWeights.TextTower : "text_encoder";
        string[] needed = load
            ? [DistilBertFolder.ConfigFile, DistilBertFolder.WeightsFile, DistilBertFolder.VocabularyFile]
            : [DistilBertFolder.ConfigFile, DistilBertFolder.VocabularyFile];
        var purpose = load ? "" : weightsFromCheckpoint
            ? " (resuming too: config.json sizes the model, vocab.txt tokenises the captions; the weights come from the checkpoint)"
            : " (from scratch too: config.json sizes the model, vocab.txt tokenises the captions)";
        if (side.Kind == TowerWeightsKind.File)
        {
            var folder = InWeightsDirectory(side.Path!, weightsDirectory);
            var missing = needed.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
            if (missing.Count > 0)
            {
                problems.Add(new JobProblem(field, $"{folder} is not a usable Hugging Face DistilBERT folder: it lacks {string.Join(", ", missing)}{RelativeNote(side.Path!, weightsDirectory)}"));
            }

            return new DistilBertSource(folder, load);
        }

        if (downloads is not null)
        {
            return FetchDistilBert(downloads, needed, field, load, problems);
        }

        var howTo = $"nothing is downloaded: fetch {string.Join(", ", needed)} from {DistilBertFolder.PublishedSource} yourself and place them there " +
            $"(or run `orch-worker weights fetch {DistilBertFolder.PublishedName}` where there is internet and copy the folder), " +
            "or give `pretrained: {text: FOLDER}`, or use text_encoder: small-transformer";
        if (string.IsNullOrWhiteSpace(weightsDirectory))
        {
            problems.Add(new JobProblem(field, $"{DistilBertFolder.PublishedName} needs {string.Join(", ", needed)}{purpose} from a folder {DistilBertFolder.PublishedName}/ in the weights directory, and none is configured (--weights-dir or ORCH_WEIGHTS_DIR); {howTo}"));
            return null;
        }

        var published = Path.Combine(weightsDirectory, DistilBertFolder.PublishedName);
        var absent = needed.Where(f => !File.Exists(Path.Combine(published, f))).ToList();
        if (absent.Count > 0)
        {
            problems.Add(new JobProblem(field, $"{DistilBertFolder.PublishedName} needs {string.Join(", ", needed)}{purpose} in {published} (the weights directory's {DistilBertFolder.PublishedName}/), which lacks {string.Join(", ", absent)}; {howTo}"));
        }

        return new DistilBertSource(published, load);
    }

    private static DistilBertSource? FetchDistilBert(WeightsCache downloads, string[] needed, string field, bool load, List<JobProblem> problems)
    {
        var files = WeightsCatalog.Files(DistilBertFolder.PublishedName, downloads.Settings)
            .Where(f => needed.Contains(Path.GetFileName(f.RelativePath), StringComparer.Ordinal));
        var failed = false;
        foreach (var file in files)
        {
            try
            {
                downloads.Ensure(file);
            }
            catch (WeightsUnavailableException e)
            {
                problems.Add(new JobProblem(field, e.Message));
                failed = true;
            }
        }

        return failed ? null : new DistilBertSource(Path.Combine(downloads.Directory, DistilBertFolder.PublishedName), load);
    }

    private static string InWeightsDirectory(string path, string? weightsDirectory) =>
        Path.IsPathRooted(path) || string.IsNullOrWhiteSpace(weightsDirectory) ? Path.GetFullPath(path) : Path.Combine(weightsDirectory, path);

    private static string RelativeNote(string path, string? weightsDirectory) =>
        Path.IsPathRooted(path) || string.IsNullOrWhiteSpace(weightsDirectory) ? "" : " (a relative path is taken from the weights directory)";
}
