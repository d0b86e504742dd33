namespace Orchestrator.Worker.Engine.Data.Readers;

/// <summary>`flickr8k-token`: `Flickr8k.token.txt`, one `image.jpg#n&lt;TAB&gt;caption` per line.</summary>
public static class Flickr8kTokenReader
{
    public static CaptionDataset Read(string? captionsPath, ImageFolder images)
    {
        using var reader = CaptionFile.Open(captionsPath, "dataset.captions");
        var rows = new List<(string, string, DatasetSplit?)>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var hash = tab < 0 ? -1 : line.LastIndexOf('#', tab);
            if (tab < 0 || hash < 0)
            {
                throw new DatasetFormatException($"{captionsPath}:{lineNumber}: expected `image.jpg#n<TAB>caption`, got '{Truncate(line)}'");
            }

            rows.Add((line[..hash].Trim(), line[(tab + 1)..].Trim(), null));
        }

        return images.Collect(rows);
    }

    private static string Truncate(string line) => line.Length <= 60 ? line : line[..60] + "…";
}
