using System.Text;

namespace Orchestrator.Worker.Engine.Text;

/// <summary>
/// A word-level vocabulary built from the training captions (lower-cased, split on anything that is not a
/// letter or digit), ordered by frequency then spelling so the same captions always give the same ids.
/// Words seen only in held-out captions map to [UNK], as they would for a deployed model.
/// </summary>
public sealed class CaptionVocabulary : ICaptionTokenizer
{
    public const string Pad = "[PAD]";
    public const string Unknown = "[UNK]";
    public const string Cls = "[CLS]";
    public const string Sep = "[SEP]";

    private readonly Dictionary<string, long> ids;

    private CaptionVocabulary(IReadOnlyList<string> words)
    {
        Words = words;
        ids = words.Select((w, i) => (w, (long)i)).ToDictionary(p => p.w, p => p.Item2, StringComparer.Ordinal);
    }

    public IReadOnlyList<string> Words { get; }

    public long PadId => ids[Pad];

    public int VocabularySize => Words.Count;

    public static CaptionVocabulary Build(IEnumerable<string> captions)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var word in captions.SelectMany(SplitWords))
        {
            counts[word] = counts.GetValueOrDefault(word) + 1;
        }

        var words = new List<string> { Pad, Unknown, Cls, Sep };
        words.AddRange(counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key));
        return new CaptionVocabulary(words);
    }

    public long[] Encode(string caption, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        var words = SplitWords(caption).Take(maxLength - 2).Select(w => ids.GetValueOrDefault(w, ids[Unknown]));
        return [ids[Cls], .. words, ids[Sep]];
    }

    internal static IEnumerable<string> SplitWords(string caption)
    {
        var word = new StringBuilder();
        foreach (var c in caption)
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }
}
