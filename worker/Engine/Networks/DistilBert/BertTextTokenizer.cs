using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.DistilBert;

/// <summary>Token ids and attention mask for a batch: [batch, longest] int64, padding with the pad id.</summary>
public sealed record TokenBatch(long[,] InputIds, long[,] AttentionMask)
{
    public Tensor InputIdsTensor(Device? device = null) => tensor(InputIds, device: device);

    public Tensor AttentionMaskTensor(Device? device = null) => tensor(AttentionMask, device: device);
}

/// <summary>
/// HF's uncased WordPiece tokeniser through Microsoft.ML.Tokenizers' BertTokenizer: lower-cased and accents
/// stripped (RemoveNonSpacingMarks, which normalises through ICU — InvariantGlobalization stays off), [CLS] … [SEP],
/// truncated to max_length, padded to the longest sequence in the batch.
/// </summary>
public sealed class BertTextTokenizer
{
    private readonly BertTokenizer tokenizer;

    // lowercase: lower-case and strip accents first, as uncased vocabularies expect (false for cased ones).
    public BertTextTokenizer(string vocabularyPath, int maxLength = 128, bool lowercase = true)
    {
        if (!File.Exists(vocabularyPath))
        {
            throw new FileNotFoundException($"WordPiece vocabulary not found: {vocabularyPath}", vocabularyPath);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        tokenizer = BertTokenizer.Create(vocabularyPath, new BertOptions { LowerCaseBeforeTokenization = lowercase, RemoveNonSpacingMarks = lowercase });
        MaxLength = maxLength;
        // vocab.txt holds one token per line, its id the line number; BertTokenizer does not expose the count.
        VocabularySize = File.ReadLines(vocabularyPath).Count();
    }

    public int MaxLength { get; }

    /// <summary>Tokens in vocab.txt: one more than the largest id this tokeniser can produce.</summary>
    public int VocabularySize { get; }

    public int PadId => tokenizer.PaddingTokenId;

    /// <summary>Ids of one text with [CLS] and [SEP], at most <see cref="MaxLength"/> long.</summary>
    public IReadOnlyList<int> Encode(string text) => Encode(text, MaxLength);

    /// <summary>Ids of one text with [CLS] and [SEP], at most <paramref name="maxLength"/> long.</summary>
    public IReadOnlyList<int> Encode(string text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        var body = tokenizer.EncodeToIds(text, addSpecialTokens: false);
        var ids = new List<int>(Math.Min(body.Count, maxLength - 2) + 2) { tokenizer.ClassificationTokenId };
        ids.AddRange(body.Take(maxLength - 2));
        ids.Add(tokenizer.SeparatorTokenId);
        return ids;
    }

    public TokenBatch EncodeBatch(IReadOnlyList<string> texts)
    {
        var encoded = texts.Select(t => Encode(t)).ToList();
        var longest = encoded.Count == 0 ? 0 : encoded.Max(e => e.Count);
        var ids = new long[encoded.Count, longest];
        var mask = new long[encoded.Count, longest];
        for (var row = 0; row < encoded.Count; row++)
        {
            for (var column = 0; column < longest; column++)
            {
                var present = column < encoded[row].Count;
                ids[row, column] = present ? encoded[row][column] : tokenizer.PaddingTokenId;
                mask[row, column] = present ? 1 : 0;
            }
        }

        return new TokenBatch(ids, mask);
    }
}
