namespace Orchestrator.Testing;

/// <summary>The environment variables only the tests read, named once (the product's are in EnvironmentVariables).</summary>
public static class TestEnvironmentVariables
{
    /// <summary>The reference data folder (default: `../shared/data` beside the project root).</summary>
    public const string DataDirectory = "ORCH_DATA_DIR";

    /// <summary>The reference fixtures folder (default: `../shared/fixtures`).</summary>
    public const string FixturesDirectory = "ORCH_FIXTURES_DIR";

    /// <summary>A PostgreSQL server's connection string to use instead of a throwaway cluster.</summary>
    public const string TestDatabase = "ORCH_TEST_DB";

    /// <summary>1: plot tests keep the files they write, to look at them.</summary>
    public const string KeepPlots = "ORCH_KEEP_PLOTS";
}
