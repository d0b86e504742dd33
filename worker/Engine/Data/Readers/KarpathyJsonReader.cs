
namespace Orchestrator.Worker.Engine.Data.Readers;

/// <summary>
/// `karpathy-json`: `dataset_flickr30k.json` / `dataset_coco.json` — images[] with filename, optional filepath
/// (COCO's train2014/val2014), split and sentences[].raw. `restval` is training data, as in Karpathy's own code.
/// </summary>
public static class KarpathyJsonReader
{
    public static CaptionDataset Read(string? annotationsPath, ImageFolder images)
    {
        using var document = AnnotationJson.Parse(annotationsPath);
        var list = AnnotationJson.Required(document.RootElement, "images", annotationsPath);
        var rows = new List<(string, string, DatasetSplit?)>();
        var index = 0;
        foreach (var image in list.EnumerateArray())
        {
            var where = $"images[{index++}]";
            var file = AnnotationJson.Required(image, "filename", annotationsPath, where).GetString()!;
            var folder = image.TryGetProperty("filepath", out var fp) ? fp.GetString() : null;
            var name = string.IsNullOrEmpty(folder) ? file : $"{folder}/{file}";
            var split = ParseSplit(AnnotationJson.Required(image, "split", annotationsPath, where).GetString(), annotationsPath, where);
            foreach (var sentence in AnnotationJson.Required(image, "sentences", annotationsPath, where).EnumerateArray())
            {
                rows.Add((name, AnnotationJson.Required(sentence, "raw", annotationsPath, where + ".sentences[]").GetString()!.Trim(), split));
            }
        }

        return images.Collect(rows);
    }

    private static DatasetSplit ParseSplit(string? split, string? path, string where) => split switch
    {
        "train" or "restval" => DatasetSplit.Train,
        "val" => DatasetSplit.Val,
        "test" => DatasetSplit.Test,
        _ => throw new DatasetFormatException($"{path}: {where}.split is '{split}'; expected train, restval, val or test"),
    };
}
