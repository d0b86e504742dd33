using Orchestrator.Worker.Engine.Networks.DistilBert;

namespace Orchestrator.Worker.Engine.Text;

/// <summary>
/// DistilBERT's uncased WordPiece vocabulary behind the engine's tokenizer interface: [CLS] first (the tower
/// pools it), [SEP] last, cut to max_length, padded with [PAD] (id 0 in BERT's vocab.txt).
/// </summary>
public sealed class WordPieceCaptionTokenizer(BertTextTokenizer tokenizer) : ICaptionTokenizer
{
    public long PadId => tokenizer.PadId;

    public int VocabularySize => tokenizer.VocabularySize;

    public long[] Encode(string caption, int maxLength) =>
        [.. tokenizer.Encode(caption, maxLength).Select(id => (long)id)];
}
