namespace Orchestrator.Worker.Engine.Data.Readers;

/// <summary>
/// The pairs a caption file yields whose image exists, and the referenced images that do not: those are skipped
/// and counted (the job result reports them) rather than failing the whole dataset.
/// </summary>
public sealed record CaptionDataset(IReadOnlyList<CaptionPair> Pairs, IReadOnlyList<string> MissingImages)
{
    public IReadOnlyList<string> Images => Pairs.Select(p => p.ImagePath).Distinct(StringComparer.Ordinal).ToList();

    public IEnumerable<CaptionPair> InSplit(DatasetSplit split) => Pairs.Where(p => p.Split == split);
}
