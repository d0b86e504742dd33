using System.CommandLine;
using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Orchestrator.Coordinator.Api;
using Orchestrator.Protos;
using Orchestrator.Shared.Metrics;
using StateLabels = Orchestrator.Shared.States.StateLabels;

namespace Orchestrator.Coordinator.Cli;

/// <summary>`orch status`, `orch jobs`, `orch job`, `orch workers`: looking at what runs.</summary>
public static class StatusCommands
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    public static Command Status(CommonOptions common)
    {
        var sweep = new Argument<long?>("sweep") { Description = "sweep id; all sweeps when left out", Arity = ArgumentArity.ZeroOrOne };
        var watch = new Option<bool>("--watch") { Description = "refresh until the sweep ends" };
        var command = new Command("status", "Progress of one sweep (per job: state, epoch, loss; counts, ETA) or a list of all.\nExample: orch status 3 --watch")
        {
            sweep, watch,
        };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, common, async (cli, ct) =>
        {
            if (parse.GetValue(sweep) is not { } id)
            {
                var list = new ListSweepsResponse();
                list.Sweeps.AddRange(await AllPages.ReadAsync<Sweep>(async token =>
                {
                    var page = await cli.Connection.Sweeps.ListSweepsAsync(
                        new ListSweepsRequest { PageSize = AllPages.PageSize, PageToken = token }, cli.Connection.Call(ct));
                    return (page.Sweeps, page.NextPageToken);
                }));
                if (cli.Json)
                {
                    CliContext.WriteJson(list);
                }
                else
                {
                    Console.Write(TextTable.Render(["SWEEP", "NAME", "STATE", "DONE", "STOPPED", "RUNNING", "QUEUED", "FAILED", "CREATED"],
                        list.Sweeps.Select(s => (IReadOnlyList<string>)[$"#{s.Id}", s.Name, Name(s.State), $"{s.Counts.Succeeded}/{s.JobCount}",
                            Number(s.Counts.Stopped), Number(s.Counts.Running), Number(s.Counts.Queued), Number(s.Counts.Failed + s.Counts.LeaseLost),
                            Time(s.CreatedAt)])));
                }

                return ExitCode.Ok;
            }

            return parse.GetValue(watch) ? await WatchAsync(cli, id, ct) : await ShowOnceAsync(cli, id, ct);
        }, cancellationToken));
        return command;
    }

    public static Command Jobs(CommonOptions common)
    {
        var sweep = new Argument<long>("sweep") { Description = "sweep id" };
        var state = new Option<string?>("--state") { Description = $"only jobs in this state: {string.Join(", ", StateLabels.JobStateLabels)}" };
        var command = new Command("jobs", "The jobs of a sweep.\nExample: orch jobs 3 --state failed") { sweep, state };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, common, async (cli, ct) =>
        {
            var filter = ParseState(parse.GetValue(state));
            var jobs = await AllJobsAsync(cli, parse.GetValue(sweep), filter, ct);
            if (cli.Json)
            {
                var response = new ListJobsResponse();
                response.Jobs.AddRange(jobs);
                CliContext.WriteJson(response);
            }
            else
            {
                Console.Write(JobTable(jobs, progress: null));
            }

            return jobs.Any(j => j.State is JobState.Failed or JobState.LeaseLost) ? ExitCode.Failed : ExitCode.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command Job(CommonOptions common)
    {
        var job = new Argument<long>("job") { Description = "job id" };
        var command = new Command("job", "One job: parameters, attempts, timings, result and the history of every epoch.\nExample: orch job 42") { job };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, common, async (cli, ct) =>
        {
            var detail = await cli.Connection.Sweeps.GetJobAsync(new GetJobRequest { JobId = parse.GetValue(job) }, cli.Connection.Call(ct));
            if (cli.Json)
            {
                CliContext.WriteJson(detail);
                return ExitCode.Ok;
            }

            var j = detail.Job;
            Console.WriteLine($"job #{j.Id} of sweep #{j.SweepId}: {j.Encoder}, {Name(j.State)}, attempt {j.Attempt}/{j.MaxAttempts}");
            Console.WriteLine($"  parameters: {j.ParametersJson}");
            Console.WriteLine($"  created {Time(j.CreatedAt)}, started {Time(j.StartedAt)}, finished {Time(j.FinishedAt)}{(j.LeaseOwner.Length > 0 ? ", worker " + j.LeaseOwner : string.Empty)}");
            if (j.Error.Length > 0)
            {
                Console.WriteLine($"  error: {j.Error}");
            }

            if (j.Result.Count > 0)
            {
                Console.WriteLine("  result: " + string.Join(", ", j.Result.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}={Number(r.Value)}")));
            }

            if (detail.ProgressOmitted > 0)
            {
                Console.WriteLine($"  ({detail.ProgressOmitted} earlier epochs not shown; the coordinator returns the newest)");
            }

            var keys = detail.Progress.SelectMany(p => p.Metrics.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
            if (keys.Count > 0)
            {
                Console.WriteLine();
                Console.Write(TextTable.Render(["ATTEMPT", "EPOCH", "STEP", .. keys.Select(k => k.ToUpperInvariant())],
                    detail.Progress.Select(p => (IReadOnlyList<string>)[Number(p.Attempt), Number(p.Epoch), Number(p.Step),
                        .. keys.Select(k => p.Metrics.TryGetValue(k, out var v) ? Number(v) : "–")])));
            }

            return j.State is JobState.Failed or JobState.LeaseLost ? ExitCode.Failed : ExitCode.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command Workers(CommonOptions common)
    {
        var command = new Command("workers", "Workers known to the coordinator, their devices and running jobs.\nExample: orch workers");
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, common, async (cli, ct) =>
        {
            var workers = new ListWorkersResponse();
            workers.Workers.AddRange(await AllPages.ReadAsync<Worker>(async token =>
            {
                var page = await cli.Connection.Sweeps.ListWorkersAsync(
                    new ListWorkersRequest { PageSize = AllPages.PageSize, PageToken = token }, cli.Connection.Call(ct));
                return (page.Workers, page.NextPageToken);
            }));
            if (cli.Json)
            {
                CliContext.WriteJson(workers);
            }
            else
            {
                Console.Write(TextTable.Render(["WORKER", "NAME", "HOST", "STATE", "RUNNING", "DEVICES", "LAST SEEN"],
                    workers.Workers.Select(w => (IReadOnlyList<string>)[w.Id, w.Name, w.Host, Name(w.State), Number(w.RunningJobs), w.DevicesJson, Time(w.LastSeenAt)])));
            }

            return ExitCode.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>Shows the sweep's progress, refreshing until it ends; exit 1 when jobs failed.</summary>
    public static async Task<int> WatchAsync(CliContext cli, long sweepId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var previous = string.Empty;
        while (true)
        {
            var sweep = await cli.Connection.Sweeps.GetSweepAsync(new GetSweepRequest { SweepId = sweepId }, cli.Connection.Call(cancellationToken));
            if (!cli.Json)
            {
                var screen = await RenderAsync(cli, sweep, cancellationToken);
                if (!Console.IsOutputRedirected)
                {
                    Console.Write("\u001b[H\u001b[2J"); // clear the terminal between frames
                    Console.Write(screen);
                }
                else if (screen != previous)
                {
                    Console.Write(screen); // a log file gets a frame only when something changed
                }

                previous = screen;
            }

            if (sweep.State != SweepState.Active)
            {
                if (cli.Json)
                {
                    CliContext.WriteJson(sweep);
                }

                return sweep.Counts.Failed + sweep.Counts.LeaseLost > 0 ? ExitCode.Failed : ExitCode.Ok;
            }

            await Task.Delay(RefreshInterval, cancellationToken);
        }
    }

    private static async Task<int> ShowOnceAsync(CliContext cli, long sweepId, CancellationToken cancellationToken)
    {
        var sweep = await cli.Connection.Sweeps.GetSweepAsync(new GetSweepRequest { SweepId = sweepId }, cli.Connection.Call(cancellationToken));
        if (cli.Json)
        {
            CliContext.WriteJson(sweep);
        }
        else
        {
            Console.Write(await RenderAsync(cli, sweep, cancellationToken));
        }

        return sweep.Counts.Failed + sweep.Counts.LeaseLost > 0 ? ExitCode.Failed : ExitCode.Ok;
    }

    private static async Task<string> RenderAsync(CliContext cli, Sweep sweep, CancellationToken cancellationToken)
    {
        var jobs = await AllJobsAsync(cli, sweep.Id, JobState.Unspecified, cancellationToken);
        var progress = new Dictionary<long, ProgressPoint>();
        // Stopped jobs show their last epoch too: it is where they stopped, and their only metrics.
        foreach (var running in jobs.Where(j => j.State is JobState.Running or JobState.Stopped))
        {
            var detail = await cli.Connection.Sweeps.GetJobAsync(new GetJobRequest { JobId = running.Id }, cli.Connection.Call(cancellationToken));
            if (detail.Progress.Count > 0)
            {
                progress[running.Id] = detail.Progress[^1];
            }
        }

        var c = sweep.Counts;
        var finished = c.Succeeded + c.Failed + c.Cancelled + c.LeaseLost + c.Stopped;
        var output = new StringBuilder();
        output.AppendLine(CultureInfo.InvariantCulture, $"sweep #{sweep.Id} {sweep.Name}: {Name(sweep.State)}");
        output.AppendLine(CultureInfo.InvariantCulture, $"{Bar(finished, sweep.JobCount)} {finished}/{sweep.JobCount} finished · " +
            $"{c.Running} running · {c.Queued} queued · {c.Succeeded} succeeded · {c.Failed + c.LeaseLost} failed · {c.Cancelled} cancelled{StoppedEarly(sweep)}{Eta(jobs, c)}");
        output.AppendLine();
        if (sweep.Rungs.Count > 0)
        {
            output.Append(RungTable(sweep.Rungs));
            output.AppendLine();
        }

        output.Append(JobTable(jobs, progress));
        return output.ToString();
    }

    // Per judged epoch (ASHA's rungs, epochs where jobs were stopped, the last): how the sweep narrowed.
    internal static string RungTable(IEnumerable<SweepRung> rungs) =>
        TextTable.Render(["EPOCH", "REACHED", "STOPPED", "CUT"], rungs.Select(r => (IReadOnlyList<string>)[Number(r.Epoch), Number(r.Reached), Number(r.Stopped),
            !r.HasMinCut ? "–" : r.MinCut == r.MaxCut ? Number(r.MinCut) : $"{Number(r.MinCut)}–{Number(r.MaxCut)}"]));

    // Said only for sweeps that stop jobs early, so every other sweep's line reads as before.
    private static string StoppedEarly(Sweep sweep) => sweep.Counts.Stopped > 0
        ? string.Create(CultureInfo.InvariantCulture,
            $" · {sweep.Counts.Stopped} stopped early · epochs trained {sweep.EpochsTrained} of {sweep.EpochsPlanned} ({(double)sweep.EpochsTrained / Math.Max(1, sweep.EpochsPlanned):P0})")
        : string.Empty;

    private static string JobTable(IReadOnlyList<Job> jobs, IReadOnlyDictionary<long, ProgressPoint>? progress) =>
        TextTable.Render(["JOB", "ENCODER", "STATE", "ATTEMPT", "EPOCH", "LOSS", "T2I R@1", "NOTE"],
            jobs.Select(j =>
            {
                var point = progress?.GetValueOrDefault(j.Id);
                var loss = point is not null && point.Metrics.TryGetValue(MetricCatalog.TrainLoss.Key, out var live) ? live
                    : j.Result.TryGetValue(MetricCatalog.TrainLoss.Key, out var final) ? final : (double?)null;
                var r1 = j.Result.TryGetValue(MetricCatalog.TextToImageR1.Key, out var recall) ? Number(recall) : "–";
                return (IReadOnlyList<string>)[$"#{j.Id}", j.Encoder, Name(j.State), $"{j.Attempt}/{j.MaxAttempts}",
                    point is null ? "–" : Number(point.Epoch), loss is { } l ? Number(l) : "–", r1, Truncate(j.StopReason.Length > 0 ? j.StopReason : j.Error, 60)];
            }));

    private static string Eta(IReadOnlyList<Job> jobs, SweepCounts counts)
    {
        var durations = jobs.Where(j => j.State == JobState.Succeeded && j.StartedAt is not null && j.FinishedAt is not null)
            .Select(j => (j.FinishedAt.ToDateTime() - j.StartedAt.ToDateTime()).TotalSeconds).ToList();
        var remaining = counts.Queued + counts.Running;
        if (durations.Count == 0 || remaining == 0)
        {
            return string.Empty;
        }

        var parallel = Math.Max(1, counts.Running);
        var seconds = durations.Average() * remaining / parallel;
        return string.Create(CultureInfo.InvariantCulture, $" · ETA {TimeSpan.FromSeconds(seconds):hh\\:mm\\:ss}");
    }

    private static async Task<IReadOnlyList<Job>> AllJobsAsync(CliContext cli, long sweepId, JobState state, CancellationToken cancellationToken) =>
        await AllPages.ReadAsync<Job>(async token =>
        {
            var page = await cli.Connection.Sweeps.ListJobsAsync(
                new ListJobsRequest { SweepId = sweepId, State = state, PageSize = AllPages.PageSize, PageToken = token }, cli.Connection.Call(cancellationToken));
            return (page.Jobs, page.NextPageToken);
        });

    private static JobState ParseState(string? label) =>
        label is null ? JobState.Unspecified
        : StateLabels.TryToJobState(label) is { } state ? ProtoConversions.ToProto(state)
        : throw new UsageException($"unknown state '{label}'; use one of {string.Join(", ", StateLabels.JobStateLabels)}");

    private static string Bar(int done, int total)
    {
        const int width = 30;
        var filled = total == 0 ? width : done * width / total;
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }

    private static string Name(System.Enum state)
    {
        var text = state.ToString();
        var snake = string.Concat(text.Select((ch, i) => i > 0 && char.IsUpper(ch) ? "_" + char.ToLowerInvariant(ch) : char.ToLowerInvariant(ch).ToString()));
        return snake;
    }

    private static string Number(double value) => value.ToString(Math.Abs(value) >= 100 || value == Math.Floor(value) ? "0.##" : "0.####", CultureInfo.InvariantCulture);

    private static string Time(Timestamp? at) => at is null ? "–" : at.ToDateTime().ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
