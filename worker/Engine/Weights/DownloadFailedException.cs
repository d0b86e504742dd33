namespace Orchestrator.Worker.Engine.Weights;

/// <summary>One download attempt that failed; <see cref="Transient"/> ones (connection lost, 5xx, stalled) are retried.</summary>
public sealed class DownloadFailedException : Exception
{
    public DownloadFailedException(string message, bool transient, Exception? inner = null) : base(message, inner) => Transient = transient;

    public DownloadFailedException()
    {
    }

    public DownloadFailedException(string message) : base(message)
    {
    }

    public DownloadFailedException(string message, Exception inner) : base(message, inner)
    {
    }

    public bool Transient { get; }
}
