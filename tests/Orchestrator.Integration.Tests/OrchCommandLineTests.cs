using System.Globalization;
using System.Text.Json;
using Orchestrator.Testing;

namespace Orchestrator.Integration.Tests;

/// <summary>The `orch` commands as processes against a running coordinator: their --json output, exit codes and errors.</summary>
[Collection(nameof(EndToEnd))]
public sealed class OrchCommandLineTests
{
    private static readonly string ValidSpec = AgentTestBed.Spec("cli", seeds: 2, epochs: 1);

    [Fact]
    public async Task Every_command_prints_json_a_script_can_read()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        var spec = Path.Combine(bed.Root, "sweep.yaml");
        await File.WriteAllTextAsync(spec, ValidSpec);

        var submitted = await Json(bed, "submit", spec);
        var sweepId = submitted.GetProperty("sweep_id").Long();
        Assert.Equal(2, submitted.GetProperty("job_count").GetInt32());

        var status = await Json(bed, "status", Id(sweepId));
        Assert.Equal("cli", status.GetProperty("name").GetString());
        Assert.Equal(2, status.GetProperty("counts").GetProperty("queued").GetInt32());
        var list = await Json(bed, "status");
        Assert.Equal(sweepId, list.GetProperty("sweeps")[0].GetProperty("id").Long());
        var table = await Orch(bed, ["status"], withToken: true);
        var header = table.Output.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["SWEEP", "NAME", "STATE", "DONE", "STOPPED", "RUNNING", "QUEUED", "FAILED", "CREATED"], header);

        var jobs = await Json(bed, "jobs", Id(sweepId));
        Assert.Equal(2, jobs.GetProperty("jobs").GetArrayLength());
        var jobId = jobs.GetProperty("jobs")[0].GetProperty("id").Long();
        var job = await Json(bed, "job", Id(jobId));
        Assert.Equal(jobId, job.GetProperty("job").GetProperty("id").Long());
        Assert.Equal("tiny_cnn", job.GetProperty("job").GetProperty("encoder").GetString());

        var workers = await Json(bed, "workers");
        Assert.Equal(0, workers.GetProperty("workers").GetArrayLength());

        var results = await Json(bed, "results", Id(sweepId));
        var row = Assert.Single(results.GetProperty("rows").EnumerateArray());
        Assert.Equal("tiny_cnn", row.GetProperty("group").GetProperty("encoder").GetString());
        Assert.Equal(2, row.GetProperty("jobs").GetInt32());

        var cancelled = await Json(bed, "cancel", Id(sweepId));
        Assert.Equal(2, cancelled.GetProperty("cancelled_jobs").GetInt32());

        var failedOnly = await Json(bed, "retry", Id(sweepId), "--failed");
        Assert.Equal(0, failedOnly.GetProperty("requeued_jobs").GetInt32());
        Assert.Equal(2, failedOnly.GetProperty("cancelled_left").GetInt32());
        var retried = await Json(bed, "retry", Id(sweepId));
        Assert.Equal(2, retried.GetProperty("requeued_jobs").GetInt32());
        Assert.Equal(2, retried.GetProperty("requeued_cancelled").GetInt32());
        var reopened = await Json(bed, "status", Id(sweepId));
        Assert.Equal("SWEEP_STATE_ACTIVE", reopened.GetProperty("state").GetString());
        Assert.Equal(2, reopened.GetProperty("counts").GetProperty("queued").GetInt32());
        var retriedJobs = await Json(bed, "jobs", Id(sweepId));
        Assert.All(retriedJobs.GetProperty("jobs").EnumerateArray(), j => Assert.Equal(2, j.GetProperty("attempt").GetInt32()));
        var nothingLeft = await Orch(bed, ["retry", Id(sweepId)], withToken: true);
        Assert.Equal(0, nothingLeft.ExitCode);
        Assert.Contains("nothing to retry", nothingLeft.Output, StringComparison.Ordinal);

        var health = await Json(bed, "health");
        Assert.Equal("SERVING", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Failures_say_what_went_wrong_and_what_to_do()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        var bad = Path.Combine(bed.Root, "bad.yaml");
        await File.WriteAllTextAsync(bad, ValidSpec.Replace("encoders: [tiny_cnn]", "encoders: [tiny_cnn, vgg16]", StringComparison.Ordinal));

        var unreachable = await Orch(bed, ["status", "--coordinator", "http://127.0.0.1:9"], withToken: true);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("could not reach the coordinator at http://127.0.0.1:9", unreachable.Error, StringComparison.Ordinal);
        Assert.Contains("orch serve", unreachable.Error, StringComparison.Ordinal);

        var unhealthy = await Orch(bed, ["health", "--coordinator", "http://127.0.0.1:9"], withToken: false);
        Assert.Equal(1, unhealthy.ExitCode);
        Assert.Contains("could not reach the coordinator at http://127.0.0.1:9", unhealthy.Error, StringComparison.Ordinal);

        var badToken = await Orch(bed, ["status", "--token", "wrong"], withToken: false);
        Assert.Equal(1, badToken.ExitCode);
        Assert.Contains("refused the token", badToken.Error, StringComparison.Ordinal);

        var workerToken = await Orch(bed, ["status", "--token", AgentTestBed.WorkerToken], withToken: false);
        Assert.Equal(1, workerToken.ExitCode);
        Assert.Contains("worker token", workerToken.Error, StringComparison.Ordinal);

        var unknown = await Orch(bed, ["status", "999"], withToken: true);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("999", unknown.Error, StringComparison.Ordinal);

        var invalid = await Orch(bed, ["submit", bad], withToken: true);
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("encoders[1]", invalid.Error, StringComparison.Ordinal);
        Assert.Contains("vgg16", invalid.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was stored", invalid.Error, StringComparison.Ordinal);
        var invalidJson = JsonDocument.Parse((await Orch(bed, ["submit", bad, "--json"], withToken: true)).Output).RootElement;
        Assert.Equal("invalid_spec", invalidJson.GetProperty("code").GetString());

        // 30 problems: the status message holds the first 20, the CLI lists all 30 from the BadRequest detail.
        var manyProblems = Path.Combine(bed.Root, "many.yaml");
        await File.WriteAllTextAsync(manyProblems, ValidSpec.Replace("encoders: [tiny_cnn]",
            "encoders: [" + string.Join(", ", Enumerable.Range(0, 30).Select(i => $"nope{i}")) + "]", StringComparison.Ordinal));
        var many = await Orch(bed, ["submit", manyProblems], withToken: true);
        Assert.Equal(1, many.ExitCode);
        Assert.Contains("30 problem(s)", many.Error, StringComparison.Ordinal);
        Assert.All(Enumerable.Range(0, 30), i => Assert.Contains($"encoders[{i}]", many.Error, StringComparison.Ordinal));

        var unknownRetry = await Orch(bed, ["retry", "999"], withToken: true);
        Assert.Equal(1, unknownRetry.ExitCode);
        Assert.Contains("sweep 999 does not exist", unknownRetry.Error, StringComparison.Ordinal);
        Assert.Contains("orch status", unknownRetry.Error, StringComparison.Ordinal);
        var unknownRetryJson = JsonDocument.Parse((await Orch(bed, ["retry", "999", "--json"], withToken: true)).Output).RootElement;
        Assert.Equal("NotFound", unknownRetryJson.GetProperty("code").GetString());
        var retryUsage = await Orch(bed, ["retry", "three"], withToken: true);
        Assert.Equal(2, retryUsage.ExitCode);
        var retryHelp = await Orch(bed, ["retry", "--help"], withToken: false);
        Assert.Equal(0, retryHelp.ExitCode);
        Assert.Contains("Example: orch retry 3 --failed", retryHelp.Output, StringComparison.Ordinal);

        var usage = await Orch(bed, ["submit"], withToken: true);
        Assert.Equal(2, usage.ExitCode);
        var missingFile = await Orch(bed, ["submit", Path.Combine(bed.Root, "nope.yaml")], withToken: true);
        Assert.Equal(2, missingFile.ExitCode);
        Assert.Contains("does not exist", missingFile.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dotnet_run_writes_a_relative_output_path_into_the_directory_it_was_started_in()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        var spec = Path.Combine(bed.Root, "sweep.yaml");
        await File.WriteAllTextAsync(spec, ValidSpec);
        var sweepId = (await Json(bed, "submit", spec)).GetProperty("sweep_id").Long();

        // As README starts it: the Web SDK used to run orch in coordinator/, and the file landed there.
        var results = await OrchProcess.RunThroughDotnetRunAsync(
            ["results", Id(sweepId), "--format", "md", "--out", "relative-results.md", "--coordinator", bed.Address.ToString().TrimEnd('/'), "--token", AgentTestBed.ClientToken],
            bed.Root,
            TimeSpan.FromMinutes(2));

        Assert.True(results.ExitCode == 0, $"exit {results.ExitCode}{Environment.NewLine}{results.Output}{results.Error}");
        Assert.Contains("tiny_cnn", await File.ReadAllTextAsync(Path.Combine(bed.Root, "relative-results.md")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(RepositoryRoot.Find(), "coordinator", "relative-results.md")), "written into the project folder");
    }

    [Fact]
    public async Task Demo_runs_a_small_study_end_to_end_and_writes_its_tables_and_plots()
    {
        var home = Directory.CreateTempSubdirectory("orch-demo-it-").FullName;
        try
        {
            var output = Path.Combine(home, "results");
            var demo = await OrchProcess.RunAsync(
                ["demo", "--epochs", "1", "--images", "40", "--encoders", "tiny_cnn,mobilenet_v3_small", "--out", output], home, TimeSpan.FromMinutes(6));

            Assert.True(demo.ExitCode == 0, $"exit {demo.ExitCode}{Environment.NewLine}{demo.Output}{Environment.NewLine}{demo.Error}");
            Assert.Matches(@"orch demo: dashboard \(read-only, while the demo runs\): http://127\.0\.0\.1:\d+/login\?token=[0-9a-f]{32}\n", demo.Output);
            var table = demo.Output[demo.Output.LastIndexOf("demo (#1) by encoder", StringComparison.Ordinal)..];
            var rows = table.Split('\n').Where(l => l.StartsWith("tiny_cnn ", StringComparison.Ordinal) || l.StartsWith("mobilenet_v3_small ", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, rows.Count);
            Assert.All(rows, r => Assert.Matches(@"\|\s+1/1\s+\|\s+\d+\.\d\d\s+\|", r));
            foreach (var file in new[] { "results.md", "results.csv", "results.json", "loss.png", "retrieval-vs-latency.png", "retrieval-vs-latency.svg" })
            {
                Assert.True(new FileInfo(Path.Combine(output, file)).Length > 100, file);
            }

            Assert.Equal(3, File.ReadAllLines(Path.Combine(output, "results.csv")).Length);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static async Task<JsonElement> Json(AgentTestBed bed, params string[] arguments)
    {
        var outcome = await Orch(bed, [.. arguments, "--json"], withToken: true);
        Assert.True(outcome.ExitCode == 0, $"orch {string.Join(' ', arguments)}: exit {outcome.ExitCode}{Environment.NewLine}{outcome.Output}{outcome.Error}");
        return JsonDocument.Parse(outcome.Output).RootElement.Clone();
    }

    private static Task<OrchProcess.Outcome> Orch(AgentTestBed bed, string[] arguments, bool withToken)
    {
        var all = new List<string>(arguments);
        if (!all.Contains("--coordinator"))
        {
            all.AddRange(["--coordinator", bed.Address.ToString().TrimEnd('/')]);
        }

        if (withToken)
        {
            all.AddRange(["--token", AgentTestBed.ClientToken]);
        }

        return OrchProcess.RunAsync(all, bed.Root);
    }
}

/// <summary>Protobuf's JSON mapping writes 64-bit integers as strings (JavaScript cannot hold them); scripts read both.</summary>
internal static class JsonNumbers
{
    public static long Long(this JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? long.Parse(element.GetString()!, CultureInfo.InvariantCulture) : element.GetInt64();
}
