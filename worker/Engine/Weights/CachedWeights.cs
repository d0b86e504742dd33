namespace Orchestrator.Worker.Engine.Weights;

/// <summary>A name of the catalog (or "other" for files no name stands for) and the files of it the cache holds; complete when all are there.</summary>
public sealed record CachedWeights(string Name, IReadOnlyList<CachedFile> Files, int Expected)
{
    public const string Other = "other";

    public bool Complete => Name != Other && Files.Count == Expected;
}
