using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Text;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>Maps a spec's text_encoder name to a text tower built for a job's tokenizer.</summary>
public static class TextTowerRegistry
{
    public const string SmallTransformer = "small-transformer";

    // DistilBERT (distilbert-base-uncased) registers here with its WordPiece tokenizer when pretrained towers land.
    public static IReadOnlyList<string> Names { get; } = [SmallTransformer];

    public static TextTower Create(JobParameters parameters, ICaptionTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(tokenizer);
        return parameters.TextEncoder switch
        {
            SmallTransformer => new SmallTransformerTextTower(
                tokenizer.VocabularySize, tokenizer.PadId, parameters.MaxLength, parameters.TextLayers, parameters.TextWidth, parameters.TextHeads, parameters.Dropout),
            _ => throw new ArgumentException($"unknown text_encoder '{parameters.TextEncoder}'; known: {string.Join(", ", Names)}", nameof(parameters)),
        };
    }
}
