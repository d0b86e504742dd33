using System.Globalization;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Results.Rendering;

namespace Orchestrator.Coordinator.Tests.Rendering;

public sealed class TableRendererTests
{
    private readonly ResultTable table = SampleTables.FourEncoders();

    [Fact]
    public void Csv_parses_back_to_the_same_numbers()
    {
        var csv = new CsvTableRenderer().Render(table, TableLayout.Full);

        Assert.Contains("\r\n", csv, StringComparison.Ordinal);
        var records = ParseCsv(csv);
        var header = records[0];
        Assert.Equal(table.Rows.Count + 1, records.Count);
        foreach (var (row, record) in table.Rows.Zip(records.Skip(1)))
        {
            string Field(string name) => record[header.IndexOf(name)];
            Assert.Equal(row.Group["encoder"], Field("encoder"));
            Assert.Equal(row.Succeeded, int.Parse(Field("succeeded"), CultureInfo.InvariantCulture));
            foreach (var (key, summary) in row.Metrics)
            {
                Assert.Equal(summary.Mean, double.Parse(Field(key + "_mean"), CultureInfo.InvariantCulture));
                Assert.Equal(summary.Std, Field(key + "_std") is { Length: > 0 } s ? double.Parse(s, CultureInfo.InvariantCulture) : null);
            }

            Assert.Equal(string.Join(";", row.ParetoOn), Field("pareto"));
        }
    }

    [Fact]
    public void Csv_quotes_fields_with_commas_and_quotes()
    {
        var odd = table with
        {
            GroupBy = ["encoder"],
            Rows = [SampleTables.Row("res,net \"50\"", 1, 1, 1)],
        };

        var records = ParseCsv(new CsvTableRenderer().Render(odd, TableLayout.StudyRecall));

        Assert.Equal("res,net \"50\"", records[1][0]);
    }

    [Fact]
    public void Json_deserialises_to_an_equal_table()
    {
        var json = new JsonTableRenderer().Render(table, TableLayout.Full);

        var back = JsonTableRenderer.Parse(json);

        Assert.Equal(table.Title, back.Title);
        Assert.Equal(table.Rows.Select(r => r.Label), back.Rows.Select(r => r.Label));
        Assert.Equal(table.Rows.Select(r => r.Metrics["t2i_r1"]), back.Rows.Select(r => r.Metrics["t2i_r1"]));
        Assert.Equal(table.Rows.Select(r => string.Join(",", r.ParetoOn)), back.Rows.Select(r => string.Join(",", r.ParetoOn)));
        Assert.Equal(table.Rows.Select(r => r.Best), back.Rows.Select(r => r.Best));
    }

    [Theory]
    [InlineData("study-table2", new[] { "Train loss", "Val loss", "Train time (s)", "Val time (s)" })]
    [InlineData("study-table3", new[] { "T→I R@1", "T→I R@5", "T→I R@10", "I→T R@1", "I→T R@5", "I→T R@10" })]
    public void Markdown_presets_have_one_row_per_group_and_the_named_columns(string preset, string[] columns)
    {
        var markdown = new MarkdownTableRenderer().Render(table, TableLayout.Named(preset));

        var lines = markdown.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(table.Rows.Count + 2, lines.Length);
        var header = lines[0].Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["encoder", "Done", .. columns, "Pareto"], header);
        Assert.All(lines, l => Assert.Equal(header.Length + 1, l.Count(c => c == '|')));
        Assert.Contains(lines, l => l.StartsWith("| efficientnet_b0 | 2/3 done", StringComparison.Ordinal));
    }

    [Fact]
    public void Markdown_bolds_the_best_value_per_column()
    {
        var markdown = new MarkdownTableRenderer().Render(table, TableLayout.Efficiency);

        var resnet = markdown.Split('\n').Single(l => l.StartsWith("| resnet50", StringComparison.Ordinal));
        var mobilenet = markdown.Split('\n').Single(l => l.StartsWith("| mobilenet_v2", StringComparison.Ordinal));
        Assert.Contains("**40.00 ± 0.50**", resnet, StringComparison.Ordinal);
        Assert.Contains("**8.00 ± 0.10**", mobilenet, StringComparison.Ordinal);
    }

    [Fact]
    public void Latex_is_a_balanced_booktabs_tabular_with_bold_bests()
    {
        var latex = new LatexTableRenderer().Render(table, TableLayout.Full);

        Assert.StartsWith("\\begin{tabular}", latex, StringComparison.Ordinal);
        Assert.Contains("\\toprule", latex, StringComparison.Ordinal);
        Assert.Contains("\\midrule", latex, StringComparison.Ordinal);
        Assert.EndsWith("\\bottomrule" + Environment.NewLine + "\\end{tabular}" + Environment.NewLine, latex, StringComparison.Ordinal);
        Assert.Equal(0, BraceBalance(latex));
        Assert.Contains("mobilenet\\_v2$^*$", latex, StringComparison.Ordinal);
        Assert.Contains("\\textbf{40.00 $\\pm$ 0.50}", latex, StringComparison.Ordinal);
        var rows = latex.Split('\n').Where(l => l.TrimEnd().EndsWith("\\\\", StringComparison.Ordinal)).ToList();
        Assert.Equal(table.Rows.Count + 1, rows.Count);
        var columns = 2 + TableLayout.Full.Metrics.Count;
        Assert.All(rows, r => Assert.Equal(columns - 1, r.Count(c => c == '&') - r.Split("\\&").Length + 1));
    }

    [Fact]
    public void Console_table_marks_pareto_groups_and_incomplete_ones()
    {
        var text = new ConsoleTableRenderer().Render(table, TableLayout.StudyRecall);

        var googlenet = text.Split('\n').Single(l => l.StartsWith("googlenet", StringComparison.Ordinal));
        var efficientnet = text.Split('\n').Single(l => l.StartsWith("efficientnet_b0", StringComparison.Ordinal));
        Assert.DoesNotContain("*", googlenet, StringComparison.Ordinal);
        Assert.Contains("* latency", efficientnet, StringComparison.Ordinal);
        Assert.Contains("2/3 done", efficientnet, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_format_names_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => TableRenderers.For("xlsx"));

        Assert.Contains("csv", error.Message, StringComparison.Ordinal);
        Assert.Contains("latex", error.Message, StringComparison.Ordinal);
    }

    private static int BraceBalance(string latex)
    {
        var depth = 0;
        for (var i = 0; i < latex.Length; i++)
        {
            if (latex[i] == '\\' && i + 1 < latex.Length && latex[i + 1] is '{' or '}')
            {
                i++;
                continue;
            }

            depth += latex[i] switch { '{' => 1, '}' => -1, _ => 0 };
            Assert.True(depth >= 0, "a closing brace comes before its opening one");
        }

        return depth;
    }

    /// <summary>An independent RFC 4180 reader: quoted fields, doubled quotes, CRLF records.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
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
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
                i++;
            }
            else
            {
                field.Append(c);
            }
        }

        return records;
    }
}
