using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Text;
using Orchestrator.Worker.Engine.Training;
using Orchestrator.Worker.Engine.Networks.DistilBert;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>Maps a spec's text_encoder name to a text tower and the tokenizer it reads.</summary>
public static class TextTowerRegistry
{
    public const string SmallTransformer = "small-transformer";
    public const string DistilBert = DistilBertFolder.PublishedName;

    public static IReadOnlyList<string> Names { get; } = [DistilBert, SmallTransformer];

    /// <summary>
    /// The tokenizer that comes with the tower (DistilBERT's or an ONNX tower's WordPiece vocab.txt), or null when the job builds
    /// its own from the training captions (the small transformer).
    /// </summary>
    public static ICaptionTokenizer? TokenizerOf(JobParameters parameters, TowerSources sources)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(sources);
        return sources switch
        {
            { OnnxText: { VocabularyPath: { } vocabulary, Definition: var onnx } } =>
                new WordPieceCaptionTokenizer(new BertTextTokenizer(vocabulary, parameters.MaxLength, onnx.Lowercase ?? true)),
            { DistilBert: { } distilBert } => new WordPieceCaptionTokenizer(new BertTextTokenizer(distilBert.VocabularyPath, parameters.MaxLength)),
            _ => null,
        };
    }

    /// <summary>The job's text tower; <paramref name="distilBert"/>, DistilBERT's folder, is needed for that tower only.</summary>
    /// <exception cref="Networks.Weights.WeightLoadException">The folder's weights do not fit its config.</exception>
    /// <exception cref="InvalidJobException">The job does not fit the folder's config (vocabulary, max_length).</exception>
    public static TextTower Create(JobParameters parameters, ICaptionTokenizer tokenizer, DistilBertSource? distilBert = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(tokenizer);
        return parameters.TextEncoder switch
        {
            SmallTransformer => new SmallTransformerTextTower(
                tokenizer.VocabularySize, tokenizer.PadId, parameters.MaxLength, parameters.TextLayers, parameters.TextWidth, parameters.TextHeads, parameters.Dropout),
            DistilBert => CreateDistilBert(parameters, tokenizer, distilBert ?? throw new ArgumentNullException(nameof(distilBert), "DistilBERT needs its folder (config.json, vocab.txt)")),
            _ => throw new ArgumentException($"unknown text_encoder '{parameters.TextEncoder}'; known: {string.Join(", ", Names)}", nameof(parameters)),
        };
    }

    private static DistilBertTextTower CreateDistilBert(JobParameters parameters, ICaptionTokenizer tokenizer, DistilBertSource source)
    {
        var config = DistilBertConfig.Load(source.ConfigPath);
        var problems = new List<JobProblem>();
        if (tokenizer.VocabularySize > config.VocabSize)
        {
            problems.Add(new JobProblem("text_encoder", $"{source.VocabularyPath} has {tokenizer.VocabularySize} tokens but {source.ConfigPath} embeds only vocab_size {config.VocabSize}"));
        }

        if (parameters.MaxLength > config.MaxPositions)
        {
            problems.Add(new JobProblem("max_length", $"{parameters.MaxLength} is more than DistilBERT's {config.MaxPositions} positions (max_position_embeddings in {source.ConfigPath})"));
        }

        if (problems.Count > 0)
        {
            throw new InvalidJobException(problems);
        }

        var model = new DistilBertModel(config);
        try
        {
            if (source.LoadWeights)
            {
                DistilBertFolder.LoadWeights(model, source.WeightsPath);
            }

            return new DistilBertTextTower(model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
