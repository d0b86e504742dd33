namespace Orchestrator.LocalPostgres;

/// <summary>A local cluster could not be initialised, started or stopped; the message carries the server's own words.</summary>
public sealed class LocalPostgresException : Exception
{
    public LocalPostgresException()
    {
    }

    public LocalPostgresException(string message)
        : base(message)
    {
    }

    public LocalPostgresException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
