namespace Orchestrator.Worker.Engine.Text;

/// <summary>
/// Turns a caption into token ids starting with a [CLS]-style token, at most <c>maxLength</c> long. Both the
/// word vocabulary of the small transformer and BERT's WordPiece vocabulary fit behind this.
/// </summary>
public interface ICaptionTokenizer
{
    long PadId { get; }

    int VocabularySize { get; }

    long[] Encode(string caption, int maxLength);
}
