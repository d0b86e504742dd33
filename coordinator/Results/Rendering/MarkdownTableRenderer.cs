using System.Text;

namespace Orchestrator.Coordinator.Results.Rendering;

/// <summary>A GitHub-flavoured Markdown table, one row per group; the best value of each metric in bold.</summary>
public sealed class MarkdownTableRenderer : ITableRenderer
{
    public string Format => "markdown";

    public string Extension => "md";

    public string Render(ResultTable table, TableLayout layout)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(layout);
        var headings = TableCells.Headings(table, layout);
        var best = layout.Metrics.ToDictionary(m => m, m => TableCells.BestRows(table, m));
        var output = new StringBuilder();
        output.AppendLine("| " + string.Join(" | ", headings.Select(Escape)) + " |");
        output.AppendLine("|" + string.Join("|", headings.Select((_, i) => i < table.GroupBy.Count ? " --- " : " ---: ")) + "|");
        foreach (var row in table.Rows)
        {
            var cells = TableCells.Row(row, table, layout).ToArray();
            for (var m = 0; m < layout.Metrics.Count; m++)
            {
                var column = table.GroupBy.Count + 1 + m;
                if (best[layout.Metrics[m]].Contains(row))
                {
                    cells[column] = $"**{cells[column]}**";
                }
            }

            output.AppendLine("| " + string.Join(" | ", cells.Select(Escape)) + " |");
        }

        var notes = TableCells.StoppedNotes(table);
        if (notes.Count > 0)
        {
            output.AppendLine();
            output.AppendLine(string.Join("<br>" + Environment.NewLine, notes.Select(Escape)));
        }

        return output.ToString();
    }

    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal);
}
