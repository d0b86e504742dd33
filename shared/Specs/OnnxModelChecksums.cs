using System.Security.Cryptography;

namespace Orchestrator.Shared.Specs;

/// <summary>One checksum filled into a spec: which tower, which file was read, and its SHA-256.</summary>
public sealed record FilledChecksum(string Tower, string File, string Sha256);

/// <summary>
/// Fills the sha256 of the spec's own ONNX towers that leave it out, from model files the submitting machine can
/// read: an absolute path, or a relative one under the weights directory when one is given. The job key then
/// covers the file, and a worker holding a different file refuses it. A file that cannot be read stays unchecked.
/// </summary>
public static class OnnxModelChecksums
{
    public static (SweepSpec Spec, IReadOnlyList<FilledChecksum> Filled) FillMissing(SweepSpec spec, string? weightsDirectory)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.OnnxTowers is not { Count: > 0 } towers)
        {
            return (spec, []);
        }

        var filled = new List<FilledChecksum>();
        var result = new SortedDictionary<string, OnnxTowerDefinition>(StringComparer.Ordinal);
        foreach (var (name, definition) in towers)
        {
            var file = definition.Sha256 is null ? Locate(definition.Model, weightsDirectory) : null;
            if (file is null)
            {
                result[name] = definition;
                continue;
            }

            using var stream = File.OpenRead(file);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
            filled.Add(new FilledChecksum(name, file, sha256));
            result[name] = definition with { Sha256 = sha256 };
        }

        return filled.Count == 0 ? (spec, []) : (spec with { OnnxTowers = result }, filled);
    }

    private static string? Locate(string model, string? weightsDirectory)
    {
        var path = Path.IsPathRooted(model) ? model
            : string.IsNullOrWhiteSpace(weightsDirectory) ? null
            : Path.Combine(weightsDirectory, model);
        return path is not null && File.Exists(path) ? path : null;
    }
}
