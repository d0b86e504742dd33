using System.CommandLine;
using Orchestrator.Coordinator.Api;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Results.Rendering;
using Orchestrator.Protos;
using Orchestrator.Shared.Metrics;

namespace Orchestrator.Coordinator.Cli;

/// <summary>`orch results`: the comparison table of one or more sweeps, exported and plotted.</summary>
public static class ResultsCommand
{
    public static Command Create(CommonOptions common)
    {
        var sweeps = new Argument<long[]>("sweep") { Description = "one or more sweep ids", Arity = ArgumentArity.OneOrMore };
        var by = new Option<string>("--by") { Description = "group by these parameters, comma-separated", DefaultValueFactory = _ => "encoder" };
        var format = new Option<string>("--format") { Description = "table, md (markdown), csv, json or latex", DefaultValueFactory = _ => "table" };
        var layout = new Option<string?>("--layout") { Description = "columns: summary (default for table), full (default for files), study-table2 (loss and time), study-table3 (recall), efficiency" };
        var rankBy = new Option<string>("--rank-by") { Description = "metric that picks each group's best job and the Pareto benefit axis", DefaultValueFactory = _ => MetricCatalog.TextToImageR1.Key };
        var output = new Option<FileInfo?>("--out") { Description = "write the table to this file instead of the terminal" };
        var includeStopped = new Option<bool>("--include-stopped") { Description = "summarise jobs stopped early (at their last reported epoch) with the finished ones, and let one be a group's best" };
        var plots = new Option<DirectoryInfo?>("--plots") { Description = "write loss curves (the sweep's, each encoder's; at most 10 jobs each) and retrieval-vs-cost plots (PNG and SVG) into this folder" };
        var command = new Command("results", "The comparison table: per group, mean ± std over seeds, best job, Pareto marks.\nExample: orch results 3 --by encoder,head_lr --format md --out results.md --plots plots/")
        {
            sweeps, by, format, layout, rankBy, includeStopped, output, plots,
        };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, common, async (cli, ct) =>
        {
            var renderer = TableRenderers.All.FirstOrDefault(r => r.Format == Normalise(parse.GetValue(format)!))
                           ?? throw new UsageException($"unknown format '{parse.GetValue(format)}'; use table, md, csv, json or latex");
            TableLayout columns;
            try
            {
                columns = TableLayout.Named(parse.GetValue(layout) ?? (renderer.Format == "table" ? "summary" : "full"));
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }

            var request = new GetResultsRequest { RankBy = parse.GetValue(rankBy)!, IncludeStopped = parse.GetValue(includeStopped) };
            request.SweepIds.AddRange(parse.GetValue(sweeps)!);
            request.GroupBy.AddRange(parse.GetValue(by)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            var table = ResultConversions.FromProto(await cli.Connection.Results.GetResultsAsync(request, cli.Connection.Call(ct)));
            var text = cli.Json ? new JsonTableRenderer().Render(table, columns) : renderer.Render(table, columns);
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, text, ct);
                Console.Error.WriteLine($"wrote {file.FullName}");
            }
            else
            {
                Console.Write(text);
            }

            if (parse.GetValue(plots) is { } folder)
            {
                await WritePlotsAsync(cli, table, request, folder, ct);
            }

            return table.Rows.Any(r => r.Failed > 0) ? ExitCode.Failed : ExitCode.Ok;
        }, cancellationToken));
        return command;
    }

    private static async Task WritePlotsAsync(CliContext cli, Orchestrator.Coordinator.Results.ResultTable table, GetResultsRequest request, DirectoryInfo folder, CancellationToken cancellationToken)
    {
        folder.Create();
        var curvesRequest = new GetLossCurvesRequest();
        curvesRequest.SweepIds.AddRange(request.SweepIds);
        var curves = (await cli.Connection.Results.GetLossCurvesAsync(curvesRequest, cli.Connection.Call(cancellationToken))).Curves
            .Select(ResultConversions.FromProto).ToList();
        var written = new List<string>();
        foreach (var format in PlotFormats.All)
        {
            foreach (var plot in SweepPlots.CostPlots(table).Concat(SweepPlots.LossPlots(curves)))
            {
                var path = Path.Combine(folder.FullName, $"{plot.Name}.{format.Extension()}");
                await File.WriteAllBytesAsync(path, plot.Render(format), cancellationToken);
                written.Add(path);
            }
        }

        Console.Error.WriteLine($"wrote {written.Count} plots to {folder.FullName}");
    }

    private static string Normalise(string format) => format switch
    {
        "md" => "markdown",
        "tex" => "latex",
        _ => format,
    };
}
