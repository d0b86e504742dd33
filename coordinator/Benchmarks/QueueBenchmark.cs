using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Storage;
using Orchestrator.LocalPostgres;
using Orchestrator.Protos;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Benchmarks;

/// <summary>
/// `dotnet run -c Release --project coordinator -- bench [--workers N] [--jobs M] [--rounds R] [--wakeups K] [--connection CS] [--synchronous-commit off]`:
/// N simulated workers lease and complete M no-op jobs over gRPC, and the same loop through the job store directly
/// (the same SQL statements, no gRPC) on the same database, R rounds of both in alternating order; then the wake-up
/// latency of a waiting lease after a job is queued. Without --connection it runs on a throwaway local PostgreSQL.
/// </summary>
public static class QueueBenchmark
{
    private const string Token = "bench";

    // Warm-up rounds end when the JIT took under this share of their two drains' time (the tiered JIT has settled:
    // on a busy machine its background recompilation of some 19,000 methods lasts minutes), or after the most.
    private const double QuietJitShare = 0.01;
    private const int MaxWarmupRounds = 30;

    /// <param name="workers">simulated workers leasing at once</param>
    /// <param name="jobs">no-op jobs per path and round</param>
    /// <param name="rounds">timed rounds of both paths, alternating which goes first</param>
    /// <param name="wakeups">samples of the wake-up latency</param>
    /// <param name="connection">PostgreSQL to use; null: a throwaway local cluster</param>
    /// <param name="synchronousCommit">the database's synchronous_commit (on, off)</param>
    public static async Task RunAsync(int workers, int jobs, int rounds, int wakeups, string? connection, string synchronousCommit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(wakeups, 1);
        await using var cluster = connection is null ? await StartThrowawayClusterAsync() : null;
        connection ??= cluster!.ConnectionString;
        var database = await FreshDatabaseAsync(connection, synchronousCommit);
        await using var host = await CoordinatorHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Orchestrator"] = database,
            ["Coordinator:Auth:WorkerToken"] = Token,
            ["Coordinator:Auth:ClientToken"] = Token + "-client",
            ["Coordinator:Scheduler:Enabled"] = "false",
            ["Coordinator:Queue:SafetyRecheckInterval"] = "00:01:00",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        var client = new WorkerService.WorkerServiceClient(host.Connect(Token));
        var store = host.Services.GetRequiredService<JobStore>();
        var ids = new List<string>();
        for (var i = 0; i < workers; i++)
        {
            ids.Add((await client.RegisterWorkerAsync(new RegisterWorkerRequest { Name = $"bench-{i}", Host = "bench", Version = "bench" })).WorkerId);
        }

        Console.WriteLine(Invariant($"Queue benchmark: {workers} workers, {jobs} no-op jobs per path and round, {rounds} round(s), {Environment.ProcessorCount} CPUs, PostgreSQL {(cluster is null ? "given" : "local throwaway")}, synchronous_commit {synchronousCommit}, load average {LoadAverage()}"));

        Task<PathResult> Grpc() => DrainAsync(ids, id => GrpcLeaseAsync(client, id), (id, job) => GrpcCompleteAsync(client, id, job));
        Task<PathResult> Raw() => DrainAsync(ids, id => StoreLeaseAsync(store, id), (id, job) => StoreCompleteAsync(store, id, job));

        // Warm-up of both paths (JIT, pools, plans), not reported, until the tiered JIT has settled: methods are
        // recompiled optimised on a background thread after their first calls, and the gRPC path has many more of
        // them (Kestrel, HTTP/2, both gRPC stacks), so a short warm-up left that compilation inside its timed run.
        var warmups = 0;
        double jitShare;
        do
        {
            await SeedAsync(host, Math.Min(jobs, 1000));
            var grpc = await Grpc();
            await SeedAsync(host, Math.Min(jobs, 1000));
            var raw = await Raw();
            jitShare = (grpc.Jit + raw.Jit) / (grpc.Elapsed + raw.Elapsed);
            warmups++;
        }
        while (jitShare >= QuietJitShare && warmups < MaxWarmupRounds);

        Console.WriteLine(Invariant($"warm-up: {warmups} round(s) of both paths; the JIT took {jitShare:P1} of the last"));
        Console.WriteLine();
        Console.WriteLine("round  path              jobs/s   lease p50 ms   lease p99 ms   .NET CPU µs/job   JIT ms");
        var grpcRuns = new List<PathResult>();
        var rawRuns = new List<PathResult>();
        for (var round = 1; round <= rounds; round++)
        {
            // Alternating which path goes first spreads a drift in the machine's load over both.
            foreach (var grpcNow in round % 2 == 1 ? new[] { true, false } : [false, true])
            {
                await SeedAsync(host, jobs);
                var result = grpcNow ? await Grpc() : await Raw();
                (grpcNow ? grpcRuns : rawRuns).Add(result);
                Print(round.ToString(CultureInfo.InvariantCulture), grpcNow ? "gRPC" : "raw SQL (store)", result);
            }
        }

        Console.WriteLine();
        Console.WriteLine(Invariant($"median of {rounds} round(s):"));
        Print("", "gRPC", PathResult.Median(grpcRuns));
        Print("", "raw SQL (store)", PathResult.Median(rawRuns));
        var ratios = grpcRuns.Zip(rawRuns, (g, r) => g.JobsPerSecond / r.JobsPerSecond).ToList();
        Console.WriteLine(Invariant($"ratio gRPC / raw SQL: {Percentile(ratios, 0.5):P0} (median of the rounds' ratios: {string.Join(", ", ratios.Select(r => r.ToString("P0", CultureInfo.InvariantCulture)))})"));

        var wake = await WakeupAsync(host, client, ids[0], wakeups);
        Console.WriteLine(Invariant($"lease wake-up after a job is queued ({wakeups} samples): p50 {Percentile(wake, 0.5):F2} ms, p99 {Percentile(wake, 0.99):F2} ms"));
        Console.WriteLine(Invariant($"load average at the end: {LoadAverage()}"));
    }

    /// <summary>
    /// One path's run. ProcessCpu: what this process (client loop and, for gRPC, the coordinator) spent, PostgreSQL's
    /// not in it; Jit: time the JIT spent meanwhile (in ProcessCpu too).
    /// </summary>
    private sealed record PathResult(int Jobs, TimeSpan Elapsed, List<double> LeaseMs, TimeSpan ProcessCpu, TimeSpan Jit)
    {
        public double JobsPerSecond => Jobs / Elapsed.TotalSeconds;

        public double ProcessCpuMicrosecondsPerJob => ProcessCpu.TotalMicroseconds / Jobs;

        /// <summary>The rounds' median throughput, CPU and JIT per job, with every round's lease latencies pooled.</summary>
        public static PathResult Median(List<PathResult> runs)
        {
            var jobs = runs[0].Jobs;
            return new PathResult(
                jobs,
                TimeSpan.FromSeconds(jobs / Percentile([.. runs.Select(r => r.JobsPerSecond)], 0.5)),
                [.. runs.SelectMany(r => r.LeaseMs)],
                TimeSpan.FromMicroseconds(jobs * Percentile([.. runs.Select(r => r.ProcessCpuMicrosecondsPerJob)], 0.5)),
                TimeSpan.FromMilliseconds(Percentile([.. runs.Select(r => r.Jit.TotalMilliseconds)], 0.5)));
        }
    }

    private static async Task<PathResult> DrainAsync(List<string> workerIds, Func<string, Task<long?>> lease, Func<string, long, Task> complete)
    {
        var latencies = new List<double>();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var jitBefore = JitInfo.GetCompilationTime();
        var total = Stopwatch.StartNew();
        var counts = await Task.WhenAll(workerIds.Select(id => Task.Run(async () =>
        {
            var mine = new List<double>();
            while (true)
            {
                var started = Stopwatch.GetTimestamp();
                var job = await lease(id);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (job is null)
                {
                    lock (latencies)
                    {
                        latencies.AddRange(mine.SkipLast(1));
                    }

                    return mine.Count - 1;
                }

                await complete(id, job.Value);
            }
        })));
        total.Stop();
        return new PathResult(counts.Sum(), total.Elapsed, latencies, Process.GetCurrentProcess().TotalProcessorTime - cpuBefore, JitInfo.GetCompilationTime() - jitBefore);
    }

    private static async Task<long?> GrpcLeaseAsync(WorkerService.WorkerServiceClient client, string workerId) =>
        (await client.LeaseJobAsync(new LeaseJobRequest { WorkerId = workerId })).Job?.JobId;

    private static async Task GrpcCompleteAsync(WorkerService.WorkerServiceClient client, string workerId, long jobId) =>
        await client.CompleteJobAsync(new CompleteJobRequest { Lease = new Protos.LeaseToken { JobId = jobId, Attempt = 1, WorkerId = workerId } });

    private static async Task<long?> StoreLeaseAsync(JobStore store, string workerId) => (await store.ClaimAsync(workerId))?.Id;

    private static async Task StoreCompleteAsync(JobStore store, string workerId, long jobId) =>
        await store.CompleteAsync(new JobLease(jobId, 1, workerId), "{}");

    /// <summary>Milliseconds from a job's commit to the waiting LeaseJob's reply.</summary>
    private static async Task<List<double>> WakeupAsync(CoordinatorHost host, WorkerService.WorkerServiceClient client, string workerId, int samples)
    {
        var result = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var waiting = client.LeaseJobAsync(new LeaseJobRequest { WorkerId = workerId, Wait = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)) }).ResponseAsync;
            await Task.Delay(20);
            await SeedAsync(host, 1);
            var committed = Stopwatch.GetTimestamp();
            var leased = await waiting;
            result.Add(Stopwatch.GetElapsedTime(committed).TotalMilliseconds);
            await GrpcCompleteAsync(client, workerId, leased.Job.JobId);
        }

        return result;
    }

    private static async Task SeedAsync(CoordinatorHost host, int count)
    {
        var dataset = new DatasetSpec();
        var spec = new SweepSpec { Name = "bench", Dataset = dataset, Encoders = ["resnet18"] };
        var salt = Guid.NewGuid().GetHashCode();
        var jobs = Enumerable.Range(0, count).Select(i => new JobDefinition(new JobParameters { Seed = i, MaxLength = salt & 0xFFFF }, dataset)).ToList();
        await host.Services.GetRequiredService<SweepStore>().InsertAsync(new ParsedSweep(spec, jobs), createNew: true);
    }

    private static void Print(string round, string name, PathResult result) =>
        Console.WriteLine(Invariant($"{round,-6} {name,-16} {result.JobsPerSecond,7:F0}   {Percentile(result.LeaseMs, 0.5),12:F2}   {Percentile(result.LeaseMs, 0.99),12:F2}   {result.ProcessCpuMicrosecondsPerJob,15:F0}   {result.Jit.TotalMilliseconds,6:F0}"));

    /// <summary>The 1, 5 and 15 minute load averages (Linux), which say how busy the shared machine was.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static double Percentile(List<double> values, double quantile)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(quantile * sorted.Count))];
    }

    private static async Task<LocalPostgresCluster> StartThrowawayClusterAsync() =>
        await LocalPostgresCluster.StartAsync(new LocalPostgresOptions
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), $"orch-bench-pg-{Guid.NewGuid():N}"),
            Persistent = false,
            Database = "postgres",
        });

    /// <summary>A new database; <paramref name="synchronousCommit"/> off takes the WAL flush out of each commit, to show what is CPU.</summary>
    private static async Task<string> FreshDatabaseAsync(string connectionString, string synchronousCommit)
    {
        var name = $"bench_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
            await using var configure = new NpgsqlCommand(
                $"ALTER DATABASE \"{name}\" SET synchronous_commit = {(synchronousCommit == "off" ? "off" : "on")}", connection);
            await configure.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { Database = name, MaxPoolSize = 200 }.ConnectionString;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
