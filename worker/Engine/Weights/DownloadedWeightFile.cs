namespace Orchestrator.Worker.Engine.Weights;

/// <summary>
/// A file published at <see cref="Url"/>. Checked against <see cref="Sha256Prefix"/> when the publisher puts one in
/// the file name (torchvision), else against what the server declares (a SHA-256 ETag, else the length).
/// <see cref="MirrorVariable"/> is the environment variable that points this file's source at a mirror, for the
/// ways out of a failure.
/// </summary>
public sealed record DownloadedWeightFile(string Name, string RelativePath, Uri Url, string MirrorVariable, string? Sha256Prefix) : WeightFile(Name, RelativePath)
{
    public override string Origin => Url.ToString();
}
