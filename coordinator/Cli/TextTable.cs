using System.Text;

namespace Orchestrator.Coordinator.Cli;

/// <summary>A plain aligned table for terminal output of lists (sweeps, jobs, workers).</summary>
public static class TextTable
{
    public static string Render(IReadOnlyList<string> headings, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(headings);
        var all = rows.ToList();
        var widths = headings.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        var output = new StringBuilder();
        output.AppendLine(Line(headings, widths));
        output.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in all)
        {
            output.AppendLine(Line(row, widths));
        }

        return output.ToString();
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
}
