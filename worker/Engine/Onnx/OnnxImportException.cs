namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>An ONNX file the importer cannot run; raised while loading or building the module, never mid-training,
/// and listing every problem found at once so one edit cycle fixes them all.</summary>
public sealed class OnnxImportException : Exception
{
    public OnnxImportException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems ?? []))
    {
        Problems = problems ?? [];
    }

    public OnnxImportException(string message)
        : this([message])
    {
    }

    public OnnxImportException(string message, Exception inner)
        : base(message, inner)
    {
        Problems = [message];
    }

    public OnnxImportException()
        : this("the ONNX model cannot be imported")
    {
    }

    public IReadOnlyList<string> Problems { get; }
}
