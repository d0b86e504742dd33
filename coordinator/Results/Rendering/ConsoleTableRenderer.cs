using System.Globalization;
using System.Text;

namespace Orchestrator.Coordinator.Results.Rendering;

/// <summary>A fixed-width table for terminals; numbers right-aligned, Pareto-optimal groups marked with *.</summary>
public sealed class ConsoleTableRenderer : ITableRenderer
{
    public string Format => "table";

    public string Extension => "txt";

    public string Render(ResultTable table, TableLayout layout)
    {
        ArgumentNullException.ThrowIfNull(table);
        var headings = TableCells.Headings(table, layout);
        var rows = table.Rows.Select(r => TableCells.Row(r, table, layout)).ToList();
        var widths = headings.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var textColumns = table.GroupBy.Count;

        var output = new StringBuilder();
        output.AppendLine(table.Title);
        AppendLine(output, headings, widths, textColumns);
        output.AppendLine(string.Join("-+-", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            AppendLine(output, row, widths, textColumns);
        }

        output.AppendLine(CultureInfo.InvariantCulture, $"* Pareto-optimal: best {table.RankBy} for its cost ({string.Join(", ", table.CostAxes)}); values are mean ± sample std over seeds.");
        foreach (var note in TableCells.StoppedNotes(table))
        {
            output.AppendLine(note);
        }

        return output.ToString();
    }

    private static void AppendLine(StringBuilder output, IReadOnlyList<string> cells, int[] widths, int textColumns)
    {
        var padded = cells.Select((c, i) => i < textColumns || i == cells.Count - 1 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]));
        output.AppendLine(string.Join(" | ", padded).TrimEnd());
    }
}
