namespace Orchestrator.Coordinator.Results.Rendering;

/// <summary>Turns a comparison table into one export format.</summary>
public interface ITableRenderer
{
    /// <summary>The format's name on the command line (`--format csv`).</summary>
    string Format { get; }

    /// <summary>Usual file extension, without the dot.</summary>
    string Extension { get; }

    string Render(ResultTable table, TableLayout layout);
}

/// <summary>The renderers by format name.</summary>
public static class TableRenderers
{
    public static readonly IReadOnlyList<ITableRenderer> All =
        [new ConsoleTableRenderer(), new MarkdownTableRenderer(), new CsvTableRenderer(), new JsonTableRenderer(), new LatexTableRenderer()];

    public static ITableRenderer For(string format) =>
        All.FirstOrDefault(r => string.Equals(r.Format, format, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown format '{format}'; use one of: {string.Join(", ", All.Select(r => r.Format))}", nameof(format));
}
