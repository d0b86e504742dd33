namespace Orchestrator.Worker.Tests.Engine;

/// <summary>
/// The Flickr8k subset of the reference data (`flickr8k-1k`: images/ and captions.txt, CSV image,caption), or a
/// copy of its first images in a temporary folder for tests that add broken files. The reference folder itself
/// is read-only and never written.
/// </summary>
public sealed class FlickrSubset
{
    private FlickrSubset(string root) => Root = root;

    public string Root { get; }

    public string Images => Path.Combine(Root, "images");

    public string Captions => Path.Combine(Root, "captions.txt");

    /// <summary>The reference subset, or null with the reason it is absent.</summary>
    public static FlickrSubset? Find(out string? missingReason)
    {
        var root = Path.Combine(Orchestrator.Testing.ReferenceData.DataDirectory, "flickr8k-1k");
        missingReason = Orchestrator.Testing.ReferenceData.MissingReason(root);
        return missingReason is null ? new FlickrSubset(root) : null;
    }

    /// <summary>The first <paramref name="count"/> images (in caption-file order) and their captions, copied under <paramref name="directory"/>.</summary>
    public FlickrSubset CopyFirst(int count, string directory)
    {
        var copy = new FlickrSubset(directory);
        Directory.CreateDirectory(copy.Images);
        var lines = File.ReadAllLines(Captions);
        var chosen = lines.Skip(1).Select(ImageOf).Distinct(StringComparer.Ordinal).Take(count).ToHashSet(StringComparer.Ordinal);
        foreach (var image in chosen)
        {
            File.Copy(Path.Combine(Images, image), Path.Combine(copy.Images, image));
        }

        File.WriteAllLines(copy.Captions, [lines[0], .. lines.Skip(1).Where(l => chosen.Contains(ImageOf(l)))]);
        return copy;
    }

    /// <summary>Writes a file of random bytes named like a photo and gives it captions, as a corrupt download would look.</summary>
    public void AddGarbageImage(string name, int seed)
    {
        var bytes = new byte[2000];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(Images, name), bytes);
        File.AppendAllLines(Captions, [$"{name},a photograph that will not decode", $"{name},another caption of a broken file"]);
    }

    private static string ImageOf(string line) => line[..line.IndexOf(',', StringComparison.Ordinal)];
}
