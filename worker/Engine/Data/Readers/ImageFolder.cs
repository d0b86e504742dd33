namespace Orchestrator.Worker.Engine.Data.Readers;

/// <summary>
/// The image folder of a dataset, listed once so that checking 150,000 captions against it costs a hash lookup
/// each, not a file-system call. Names may carry sub-folders (COCO's Karpathy file has `val2014/…`).
/// </summary>
public sealed class ImageFolder
{
    private readonly HashSet<string> files;

    public ImageFolder(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"image folder not found: {root} (dataset.images)");
        }

        Root = Path.GetFullPath(root);
        files = Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .ToHashSet(StringComparer.Ordinal);
    }

    public string Root { get; }

    /// <summary>Builds the dataset from (relative image name, caption, split) rows, setting absent images aside.</summary>
    public CaptionDataset Collect(IEnumerable<(string Image, string Caption, DatasetSplit? Split)> rows)
    {
        var pairs = new List<CaptionPair>();
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (image, caption, split) in rows)
        {
            var relative = image.Replace('\\', '/').TrimStart('/');
            if (files.Contains(relative))
            {
                pairs.Add(new CaptionPair(Path.Combine(Root, relative), caption, split));
            }
            else
            {
                missing.Add(relative);
            }
        }

        return new CaptionDataset(pairs, missing.ToList());
    }
}
