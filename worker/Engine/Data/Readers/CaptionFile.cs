namespace Orchestrator.Worker.Engine.Data.Readers;

/// <summary>Opens a dataset's caption or annotation file with an error that names the spec field to fix.</summary>
public static class CaptionFile
{
    public static StreamReader Open(string? path, string specField)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new DatasetFormatException($"{specField} is not set");
        }

        return File.Exists(path)
            ? new StreamReader(path, detectEncodingFromByteOrderMarks: true)
            : throw new FileNotFoundException($"{specField} file not found: {path}", path);
    }
}
