namespace Orchestrator.Worker.Engine.Weights;

/// <summary>
/// What a weights directory holds, by catalog name: each file's size and SHA-256 (from the sidecar when the file is
/// unchanged) and whether it matches what the catalog knows of it. Partial downloads, locks and sidecars are not files.
/// </summary>
public static class WeightsInventory
{
    public static IReadOnlyList<CachedWeights> Read(string directory, WeightsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var present = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(directory, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(IsCachedFile)
            .ToHashSet(StringComparer.Ordinal);
        var listed = new List<CachedWeights>();
        foreach (var name in WeightsCatalog.Names)
        {
            var files = WeightsCatalog.Files(name, settings);
            var held = files.Where(f => present.Remove(f.RelativePath)).Select(f => Describe(directory, f.RelativePath, f)).ToList();
            if (held.Count > 0)
            {
                listed.Add(new CachedWeights(name, held, files.Count));
            }
        }

        if (present.Count > 0)
        {
            listed.Add(new CachedWeights(CachedWeights.Other, [.. present.Order(StringComparer.Ordinal).Select(p => Describe(directory, p, null))], present.Count));
        }

        return listed;
    }

    private static bool IsCachedFile(string relativePath) =>
        !relativePath.StartsWith(ChecksumSidecar.Folder + "/", StringComparison.Ordinal)
        && !relativePath.EndsWith(WeightsCache.PartialSuffix, StringComparison.Ordinal)
        && !relativePath.EndsWith(WeightsCache.LockSuffix, StringComparison.Ordinal);

    private static CachedFile Describe(string directory, string relativePath, WeightFile? known)
    {
        var (sha256, check) = ChecksumSidecar.Read(directory, relativePath);
        var length = new FileInfo(Path.Combine(directory, relativePath)).Length;
        var status = known switch
        {
            DownloadedWeightFile { Sha256Prefix: { } prefix } => sha256.StartsWith(prefix, StringComparison.Ordinal)
                ? "verified (hash in the file name)"
                : $"MISMATCH (SHA-256 should start with {prefix}; delete the file)",
            PackagedWeightFile packaged => sha256 == packaged.Sha256 ? "verified (known SHA-256)" : $"MISMATCH (SHA-256 should be {packaged.Sha256}; delete the file)",
            _ when check is "server-sha256" => "verified (SHA-256 the server declared, at download)",
            _ when check is "length" => "verified (length the server announced, at download)",
            _ => "unverified (placed by hand or nothing to check against)",
        };
        return new CachedFile(relativePath, length, sha256, status);
    }
}
