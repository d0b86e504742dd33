using System.Text;

namespace Orchestrator.Worker.Engine.Data.Readers;

/// <summary>
/// `captions-csv`: Kaggle Flickr8k/30k `captions.txt` (`image,caption`) and the study's `captions.csv`
/// (`image,caption,id`); columns found by header name, quoted fields with "" escapes. Kaggle's files leave
/// some commas in captions unquoted, so surplus fields on a row are given back to the caption column.
/// </summary>
public static class CaptionsCsvReader
{
    public static CaptionDataset Read(string? captionsPath, ImageFolder images)
    {
        using var reader = CaptionFile.Open(captionsPath, "dataset.captions");
        var header = reader.ReadLine() is { } first ? Split(first.TrimStart('\uFEFF')) : throw new DatasetFormatException($"{captionsPath} is empty; expected a header `image,caption`");
        var columns = header.Select(h => h.Trim().ToLowerInvariant()).ToList();
        var image = Column(columns, "image", captionsPath);
        var caption = Column(columns, "caption", captionsPath);
        return images.Collect(Rows(reader, captionsPath, columns.Count, image, caption));
    }

    private static IEnumerable<(string, string, DatasetSplit?)> Rows(TextReader reader, string? path, int width, int image, int caption)
    {
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = Split(line);
            if (fields.Count < width)
            {
                throw new DatasetFormatException($"{path}:{lineNumber}: {fields.Count} fields, the header has {width}");
            }

            var surplus = fields.Count - width;
            var text = string.Join(",", fields.Skip(caption).Take(surplus + 1)).Trim();
            var imageIndex = image > caption ? image + surplus : image;
            yield return (fields[imageIndex].Trim(), text, null);
        }
    }

    private static int Column(List<string> columns, string name, string? path)
    {
        var index = columns.IndexOf(name);
        return index >= 0 ? index : throw new DatasetFormatException($"{path}: no '{name}' column in the header (found: {string.Join(", ", columns)})");
    }

    // RFC 4180 fields on one line; quoted captions with commas and "" escapes.
    private static List<string> Split(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
