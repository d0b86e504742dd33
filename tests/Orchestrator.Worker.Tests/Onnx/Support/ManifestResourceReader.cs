using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Orchestrator.Worker.Tests.Onnx.Support;

/// <summary>Reads an embedded manifest resource straight from a .NET assembly file (no assembly loading): the CLI
/// header's resources directory, plus the resource's offset, holds an int32 length and then the bytes.</summary>
internal static class ManifestResourceReader
{
    public static byte[] Read(string assemblyPath, string resourceName)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (metadata.GetString(resource.Name) != resourceName)
            {
                continue;
            }

            var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
            var section = pe.GetSectionData(directory.RelativeVirtualAddress);
            var reader = section.GetReader((int)resource.Offset, section.Length - (int)resource.Offset);
            var length = reader.ReadInt32();
            return reader.ReadBytes(length);
        }

        throw new InvalidDataException($"{assemblyPath} has no manifest resource '{resourceName}'");
    }
}
