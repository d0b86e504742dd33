namespace Orchestrator.Worker.Engine.Data.Readers;

/// <summary>`coco-captions`: `captions_*.json` — images[] (id, file_name) and annotations[] (image_id, caption); no split.</summary>
public static class CocoCaptionsReader
{
    public static CaptionDataset Read(string? annotationsPath, ImageFolder images)
    {
        using var document = AnnotationJson.Parse(annotationsPath);
        var root = document.RootElement;
        var files = new Dictionary<long, string>();
        foreach (var image in AnnotationJson.Required(root, "images", annotationsPath).EnumerateArray())
        {
            files[AnnotationJson.Required(image, "id", annotationsPath, "images[]").GetInt64()] =
                AnnotationJson.Required(image, "file_name", annotationsPath, "images[]").GetString()!;
        }

        var rows = new List<(string, string, DatasetSplit?)>();
        foreach (var annotation in AnnotationJson.Required(root, "annotations", annotationsPath).EnumerateArray())
        {
            var id = AnnotationJson.Required(annotation, "image_id", annotationsPath, "annotations[]").GetInt64();
            var caption = AnnotationJson.Required(annotation, "caption", annotationsPath, "annotations[]").GetString()!.Trim();
            rows.Add((files.TryGetValue(id, out var file) ? file
                : throw new DatasetFormatException($"{annotationsPath}: annotation for image_id {id}, which images[] does not list"), caption, null));
        }

        return images.Collect(rows);
    }
}
