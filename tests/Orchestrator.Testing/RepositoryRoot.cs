namespace Orchestrator.Testing;

/// <summary>The checkout the tests run from: the first folder above the test binaries that holds Orchestrator.sln.</summary>
public static class RepositoryRoot
{
    public static string? TryFind()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orchestrator.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    public static string Find() =>
        TryFind() ?? throw new DirectoryNotFoundException("repository root (Orchestrator.sln) not found above " + AppContext.BaseDirectory);
}
