namespace Orchestrator.Coordinator.Storage;

public sealed class SchemaTooNewException : Exception
{
    public SchemaTooNewException()
    {
    }

    public SchemaTooNewException(string message)
        : base(message)
    {
    }

    public SchemaTooNewException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SchemaTooNewException(int databaseVersion, int knownVersion)
        : base($"the database schema is at version {databaseVersion}, newer than the {knownVersion} this coordinator knows; " +
               "run a newer coordinator (or restore a matching database) — refusing to start")
    {
        DatabaseVersion = databaseVersion;
        KnownVersion = knownVersion;
    }

    public int DatabaseVersion { get; }

    public int KnownVersion { get; }
}
