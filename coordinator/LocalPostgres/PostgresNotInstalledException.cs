namespace Orchestrator.LocalPostgres;

/// <summary>The PostgreSQL server programs could not be found; the message says what to install.</summary>
public sealed class PostgresNotInstalledException : Exception
{
    public PostgresNotInstalledException()
    {
    }

    public PostgresNotInstalledException(string message)
        : base(message)
    {
    }

    public PostgresNotInstalledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
