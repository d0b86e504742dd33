using System.CommandLine;
using Orchestrator.Coordinator.Benchmarks;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// `orch bench`, `orch bench-results` and `orch bench-dashboard`: the developer's benchmarks of the queue, the results
/// query and the dashboard's pages. Listed
/// by `orch --help` like every other command: a hidden command's own `--help` prints nothing in System.CommandLine 2.0.
/// </summary>
public static class BenchCommands
{
    public static Command Queue()
    {
        var workers = new Option<int>("--workers") { Description = "simulated workers leasing at once", DefaultValueFactory = _ => 20 };
        var jobs = new Option<int>("--jobs") { Description = "no-op jobs per path (gRPC, and the store directly) and round", DefaultValueFactory = _ => 5000 };
        var rounds = new Option<int>("--rounds") { Description = "timed rounds of both paths, alternating which goes first; medians are reported", DefaultValueFactory = _ => 3 };
        var wakeups = new Option<int>("--wakeups") { Description = "samples of the wake-up latency of a waiting lease after a job is queued", DefaultValueFactory = _ => 200 };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL to run on (default: a throwaway local cluster)" };
        var synchronousCommit = new Option<string>("--synchronous-commit") { Description = "off takes the WAL flush out of each commit, to show what is CPU", DefaultValueFactory = _ => "on" };
        synchronousCommit.AcceptOnlyFromAmong("on", "off");
        var command = new Command("bench", "(developer) Benchmark the queue: simulated workers lease and complete no-op jobs over gRPC, and on the job store directly.\n" +
                                           "Example: dotnet run -c Release --project coordinator -- bench --workers 4 --jobs 1000")
        {
            workers, jobs, rounds, wakeups, connection, synchronousCommit,
        };
        foreach (var count in new[] { workers, jobs, rounds, wakeups })
        {
            count.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() < 1)
                {
                    result.AddError($"{count.Name} must be at least 1, not {result.GetValueOrDefault<int>()}");
                }
            });
        }

        command.SetAction(async (parse, _) =>
        {
            await QueueBenchmark.RunAsync(parse.GetValue(workers), parse.GetValue(jobs), parse.GetValue(rounds), parse.GetValue(wakeups), parse.GetValue(connection), parse.GetValue(synchronousCommit)!);
            return ExitCode.Ok;
        });
        return command;
    }

    public static Command Results()
    {
        var jobs = new Option<int>("--jobs") { Description = "jobs of the finished sweep to aggregate", DefaultValueFactory = _ => 10_000 };
        var runs = new Option<int>("--runs") { Description = "timed runs of each way, after two warm-ups", DefaultValueFactory = _ => 15 };
        var command = new Command("bench-results", "(developer) Benchmark the results aggregation in SQL against folding every result on the client.\n" +
                                                   "Example: dotnet run -c Release --project coordinator -- bench-results --jobs 10000")
        {
            jobs, runs,
        };
        command.SetAction(async (parse, _) =>
        {
            await ResultsBenchmark.RunAsync(parse.GetValue(jobs), parse.GetValue(runs));
            return ExitCode.Ok;
        });
        return command;
    }

    public static Command Dashboard()
    {
        var jobs = new Option<int>("--jobs") { Description = "jobs of the finished sweep the pages show", DefaultValueFactory = _ => 10_000 };
        var workers = new Option<int>("--workers") { Description = "registered online workers", DefaultValueFactory = _ => 200 };
        var runs = new Option<int>("--runs") { Description = "timed fetches of each page, after two warm-ups", DefaultValueFactory = _ => 15 };
        var command = new Command("bench-dashboard", "(developer) Benchmark the web dashboard's pages for a large sweep and many workers, against the login page.\n" +
                                                     "Example: dotnet run -c Release --project coordinator -- bench-dashboard --jobs 10000 --workers 200")
        {
            jobs, workers, runs,
        };
        command.SetAction(async (parse, _) =>
        {
            await DashboardBenchmark.RunAsync(parse.GetValue(jobs), parse.GetValue(workers), parse.GetValue(runs));
            return ExitCode.Ok;
        });
        return command;
    }
}
