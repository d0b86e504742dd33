namespace Orchestrator.Testing;

/// <summary>
/// Where the read-only reference material lives: `../shared/data` and `../shared/fixtures` beside the project
/// root unless ORCH_DATA_DIR / ORCH_FIXTURES_DIR say otherwise. A fresh clone elsewhere has neither, so tests
/// that need them skip with the reason from <see cref="MissingReason"/>.
/// </summary>
public static class ReferenceData
{
    public static string DataDirectory => Resolve(TestEnvironmentVariables.DataDirectory, "data");

    public static string FixturesDirectory => Resolve(TestEnvironmentVariables.FixturesDirectory, "fixtures");

    public static string? MissingReason(string directory) =>
        Directory.Exists(directory) ? null : $"reference folder {directory} is absent (set {TestEnvironmentVariables.DataDirectory} / {TestEnvironmentVariables.FixturesDirectory} to run this test)";

    private static string Resolve(string variable, string leaf)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        var root = RepositoryRoot.TryFind() ?? Directory.GetCurrentDirectory();
        return Path.GetFullPath(Path.Combine(root, "..", "shared", leaf));
    }
}
