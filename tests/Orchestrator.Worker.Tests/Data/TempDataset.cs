namespace Orchestrator.Worker.Tests.Data;

/// <summary>A throwaway dataset folder: an images/ folder with named (placeholder) files and caption files beside it.</summary>
public sealed class TempDataset : IDisposable
{
    public TempDataset(params string[] images)
    {
        Root = Directory.CreateTempSubdirectory("orch-dataset-").FullName;
        Images = Path.Combine(Root, "images");
        Directory.CreateDirectory(Images);
        foreach (var image in images)
        {
            var path = Path.Combine(Images, image);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, [0xFF, 0xD8]);
        }
    }

    public string Root { get; }

    public string Images { get; }

    public string Write(string name, string content)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
