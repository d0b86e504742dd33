using System.Globalization;
using System.Text;

namespace Orchestrator.Coordinator.Results.Rendering;

/// <summary>A booktabs tabular for papers: best value per metric column in bold, Pareto groups marked with $^*$.</summary>
public sealed class LatexTableRenderer : ITableRenderer
{
    public string Format => "latex";

    public string Extension => "tex";

    public string Render(ResultTable table, TableLayout layout)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(layout);
        var best = layout.Metrics.ToDictionary(m => m, m => TableCells.BestRows(table, m));
        var alignment = new string('l', table.GroupBy.Count) + "r" + new string('r', layout.Metrics.Count);
        var output = new StringBuilder();
        output.AppendLine(CultureInfo.InvariantCulture, $"\\begin{{tabular}}{{{alignment}}}");
        output.AppendLine("\\toprule");
        var headings = table.GroupBy.Concat(["Done"]).Concat(layout.Metrics.Select(m => m.Heading)).Select(Escape);
        output.AppendLine(string.Join(" & ", headings) + " \\\\");
        output.AppendLine("\\midrule");
        foreach (var row in table.Rows)
        {
            var label = table.GroupBy.Select(g => Escape(row.Group.GetValueOrDefault(g, string.Empty))).ToList();
            if (row.ParetoOn.Count > 0 && label.Count > 0)
            {
                label[^1] += "$^*$";
            }

            var cells = label.Concat([Escape(TableCells.Done(row))]).Concat(layout.Metrics.Select(m =>
            {
                var text = Escape(TableCells.Value(row, m)).Replace("±", "$\\pm$", StringComparison.Ordinal);
                return best[m].Contains(row) ? $"\\textbf{{{text}}}" : text;
            }));
            output.AppendLine(string.Join(" & ", cells) + " \\\\");
        }

        output.AppendLine("\\bottomrule");
        output.AppendLine("\\end{tabular}");
        foreach (var note in TableCells.StoppedNotes(table))
        {
            output.AppendLine("% " + note); // a comment: the caption is the paper's to write
        }

        return output.ToString();
    }

    private static string Escape(string text)
    {
        var output = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            output.Append(c switch
            {
                '\\' => "\\textbackslash{}",
                '&' or '%' or '$' or '#' or '_' or '{' or '}' => "\\" + c,
                '~' => "\\textasciitilde{}",
                '^' => "\\textasciicircum{}",
                '→' => "$\\rightarrow$",
                '–' => "--",
                '†' => "\\dag{}",
                _ => c.ToString(),
            });
        }

        return output.ToString();
    }
}
