namespace Orchestrator.LocalPostgres;

/// <summary>Another live coordinator holds the embedded data directory; the message names it and the holder's pid.</summary>
public sealed class DataDirectoryInUseException : Exception
{
    public DataDirectoryInUseException()
    {
    }

    public DataDirectoryInUseException(string message)
        : base(message)
    {
    }

    public DataDirectoryInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
