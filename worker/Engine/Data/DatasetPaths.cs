using Orchestrator.Shared.Specs;

namespace Orchestrator.Worker.Engine.Data;

/// <summary>
/// Resolves a spec's relative dataset paths against a worker's data root, so one sweep can name
/// `flickr8k/Images` and every machine finds its own copy wherever it keeps datasets.
/// </summary>
public static class DatasetPaths
{
    public static DatasetSpec Resolve(DatasetSpec dataset, string? dataRoot)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (string.IsNullOrWhiteSpace(dataRoot))
        {
            return dataset;
        }

        return dataset with
        {
            Images = Under(dataRoot, dataset.Images),
            Captions = Under(dataRoot, dataset.Captions),
            Annotations = Under(dataRoot, dataset.Annotations),
        };
    }

    private static string? Under(string root, string? path) =>
        string.IsNullOrWhiteSpace(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(root, path));
}
