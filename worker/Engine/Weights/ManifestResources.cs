using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Orchestrator.Worker.Engine.Weights;

/// <summary>
/// Reads a manifest resource embedded in a .NET assembly file without loading the assembly: the CLI header's
/// resources directory holds each resource at its offset, as a 32-bit length followed by the bytes.
/// </summary>
public static class ManifestResources
{
    public static IReadOnlyList<string> Names(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var metadata = pe.GetMetadataReader();
        return [.. metadata.ManifestResources.Select(h => metadata.GetString(metadata.GetManifestResource(h).Name))];
    }

    /// <exception cref="InvalidDataException">The assembly has no embedded resource of that name.</exception>
    public static void CopyTo(string assemblyPath, string resourceName, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var pe = new PEReader(File.OpenRead(assemblyPath), PEStreamOptions.PrefetchEntireImage);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil || metadata.GetString(resource.Name) != resourceName)
            {
                continue;
            }

            var directory = pe.PEHeaders.CorHeader?.ResourcesDirectory
                ?? throw new InvalidDataException($"{assemblyPath} is not a .NET assembly (no CLI header)");
            var reader = pe.GetSectionData(directory.RelativeVirtualAddress + checked((int)resource.Offset)).GetReader();
            var length = reader.ReadInt32();
            const int chunk = 1 << 20;
            for (var left = length; left > 0; left -= chunk)
            {
                destination.Write(reader.ReadBytes(Math.Min(chunk, left)));
            }

            return;
        }

        throw new InvalidDataException($"{assemblyPath} has no embedded resource '{resourceName}'; it has: {string.Join(", ", Names(assemblyPath))}");
    }
}
