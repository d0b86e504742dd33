using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using Orchestrator.Coordinator.Api;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Results.Rendering;
using Orchestrator.LocalPostgres;
using Orchestrator.Protos;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// `orch demo`: the whole system on one machine in one command. Starts a throwaway PostgreSQL, the coordinator and
/// two local `orch-worker` agents, submits examples/demo.yaml (or a Flickr folder with --data), shows progress,
/// prints the comparison table, writes Markdown, CSV, JSON and plots, and stops everything it started.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var spec = new Option<FileInfo?>("--spec") { Description = "sweep spec to run (default: examples/demo.yaml)" };
        var data = new Option<DirectoryInfo?>("--data") { Description = "a Flickr folder (images/ and captions.txt) instead of the synthetic shapes" };
        var output = new Option<DirectoryInfo>("--out") { Description = "where the tables and plots go", DefaultValueFactory = _ => new DirectoryInfo("orch-demo") };
        var workers = new Option<int>("--workers") { Description = "local worker agents to start", DefaultValueFactory = _ => 2 };
        var epochs = new Option<int?>("--epochs") { Description = "override the spec's epochs (smaller: faster)" };
        var images = new Option<int?>("--images") { Description = "override the number of synthetic images" };
        var encoders = new Option<string?>("--encoders") { Description = "override the encoders, comma-separated" };
        var command = new Command("demo", "Run a small study end to end on this machine: database, coordinator, workers, results.\nExample: orch demo --out demo-results")
        {
            spec, data, output, workers, epochs, images, encoders,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var text = await LoadSpecAsync(parse.GetValue(spec), parse.GetValue(data), parse.GetValue(epochs), parse.GetValue(images), parse.GetValue(encoders), cancellationToken);
                return await RunAsync(text, parse.GetValue(output)!, parse.GetValue(workers), cancellationToken);
            }
            catch (UsageException ex)
            {
                await Console.Error.WriteLineAsync("orch demo: " + ex.Message);
                return ExitCode.Usage;
            }
            catch (Exception ex) when (ex is LocalPostgresException or PostgresNotInstalledException or Grpc.Core.RpcException)
            {
                await Console.Error.WriteLineAsync("orch demo: " + ex.Message);
                return ExitCode.Failed;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string specText, DirectoryInfo output, int workerCount, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var scratch = Directory.CreateTempSubdirectory("orch-demo-").FullName;
        Console.WriteLine($"orch demo: starting a throwaway PostgreSQL in {scratch} …");
        // Not inside the private scratch folder: run as root, the server is the postgres user and must reach it.
        await using var database = await LocalPostgresCluster.StartAsync(
            new LocalPostgresOptions { DataDirectory = Path.Combine(Path.GetTempPath(), $"orch-demo-pg-{Guid.NewGuid():N}"), Persistent = false, Unsafe = true },
            cancellationToken);
        var demo = new DemoCoordinator(
            database.ConnectionString,
            LoopbackPort.PickFree(),
            LoopbackPort.PickFree(),
            ClientToken: NewToken(),
            WorkerToken: NewToken(),
            ViewerToken: NewToken());
        var (clientToken, workerToken) = (demo.ClientToken, demo.WorkerToken);
        await using var coordinator = await CoordinatorHost.StartAsync(demo.Settings(), cancellationToken: cancellationToken);
        Console.WriteLine($"orch demo: coordinator on {coordinator.Address}; starting {workerCount} local worker(s) …");
        Console.WriteLine($"orch demo: dashboard (read-only, while the demo runs): {demo.DashboardLink}");

        // The agents share this machine's cores: each trainer taking all of them ran slower than one alone.
        var threadsPerWorker = Math.Max(1, Environment.ProcessorCount / workerCount);
        var agents = Enumerable.Range(1, workerCount)
            .Select(i => LocalWorker.Start($"demo-worker-{i}", coordinator.Address, workerToken, scratch, threadsPerWorker))
            .ToList();
        try
        {
            using var connection = new CliConnection(coordinator.Address.ToString().TrimEnd('/'), clientToken);
            var submitted = await connection.Sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = specText, CreateNew = true }, connection.Call(cancellationToken));
            Console.WriteLine($"orch demo: submitted sweep #{submitted.SweepId} with {submitted.JobCount} jobs");
            var progress = new CliContext(new RootCommand().Parse([]), new CommonOptions(), connection);
            var status = await StatusCommands.WatchAsync(progress, submitted.SweepId, cancellationToken);

            var request = new GetResultsRequest();
            request.SweepIds.Add(submitted.SweepId);
            var table = ResultConversions.FromProto(await connection.Results.GetResultsAsync(request, connection.Call(cancellationToken)));
            Console.WriteLine();
            Console.Write(new ConsoleTableRenderer().Render(table, TableLayout.Summary));
            await WriteResultsAsync(connection, table, submitted.SweepId, output, cancellationToken);
            Console.WriteLine($"orch demo: done in {watch.Elapsed.TotalMinutes:F1} min; tables and plots in {output.FullName}");
            return status;
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.StopAsync();
            }

            TryDelete(scratch);
        }
    }

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static async Task WriteResultsAsync(CliConnection connection, Results.ResultTable table, long sweepId, DirectoryInfo output, CancellationToken cancellationToken)
    {
        output.Create();
        foreach (var (renderer, layout) in new (ITableRenderer, TableLayout)[]
                 {
                     (new MarkdownTableRenderer(), TableLayout.Full), (new CsvTableRenderer(), TableLayout.Full), (new JsonTableRenderer(), TableLayout.Full),
                 })
        {
            await File.WriteAllTextAsync(Path.Combine(output.FullName, $"results.{renderer.Extension}"), renderer.Render(table, layout), cancellationToken);
        }

        await File.WriteAllTextAsync(Path.Combine(output.FullName, "results-study-table3.md"), new MarkdownTableRenderer().Render(table, TableLayout.StudyRecall), cancellationToken);
        var curvesRequest = new GetLossCurvesRequest();
        curvesRequest.SweepIds.Add(sweepId);
        var curves = (await connection.Results.GetLossCurvesAsync(curvesRequest, connection.Call(cancellationToken))).Curves.Select(ResultConversions.FromProto).ToList();
        ResultPlots.SaveLossCurves(curves, "train (solid) and validation (dashed) loss per epoch", Path.Combine(output.FullName, "loss.png"));
        ResultPlots.SaveRetrievalVersusCost(table, MetricCatalog.LatencyMs.Key, Path.Combine(output.FullName, "retrieval-vs-latency.png"));
        ResultPlots.SaveRetrievalVersusCost(table, MetricCatalog.LatencyMs.Key, Path.Combine(output.FullName, "retrieval-vs-latency.svg"));
    }

    private static async Task<string> LoadSpecAsync(FileInfo? file, DirectoryInfo? data, int? epochs, int? images, string? encoders, CancellationToken cancellationToken)
    {
        var path = file?.FullName ?? FindExample("demo.yaml");
        if (!File.Exists(path))
        {
            throw new UsageException($"spec file {path} does not exist");
        }

        // Overrides go through the parser and back out as canonical JSON, so a typo fails here with its path.
        var parsed = SweepSpecParser.Parse(await File.ReadAllTextAsync(path, cancellationToken));
        var node = System.Text.Json.Nodes.JsonNode.Parse(parsed.Spec.ToCanonicalJson())!.AsObject();
        if (epochs is { } e)
        {
            node["parameters"]!["epochs"] = new System.Text.Json.Nodes.JsonArray(e);
        }

        if (images is { } n)
        {
            node["dataset"]!["synthetic_images"] = n;
        }

        if (encoders is not null)
        {
            node["encoders"] = new System.Text.Json.Nodes.JsonArray(encoders.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(x => (System.Text.Json.Nodes.JsonNode?)x).ToArray());
        }

        if (data is not null)
        {
            if (!File.Exists(Path.Combine(data.FullName, "captions.txt")) || !Directory.Exists(Path.Combine(data.FullName, "images")))
            {
                throw new UsageException($"{data.FullName} needs images/ and captions.txt (the Kaggle Flickr8k/30k layout)");
            }

            node["dataset"] = new System.Text.Json.Nodes.JsonObject
            {
                ["format"] = "captions-csv",
                ["images"] = Path.Combine(data.FullName, "images"),
                ["captions"] = Path.Combine(data.FullName, "captions.txt"),
            };
        }

        var text = node.ToJsonString();
        try
        {
            SweepSpecParser.Parse(text);
        }
        catch (SpecValidationException ex)
        {
            throw new UsageException(ex.Message);
        }

        return text;
    }

    private static string FindExample(string name)
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "examples", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "examples", name);
    }


    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // a temp folder left behind is harmless
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
