using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using Orchestrator.Coordinator.Api;
using Orchestrator.Protos;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Cli;

/// <summary>`orch submit`, `orch cancel`, `orch retry`: changing what the coordinator runs.</summary>
public static class SweepCommands
{
    public static Command Submit(CommonOptions common)
    {
        var spec = new Argument<FileInfo>("spec") { Description = "the sweep spec, YAML or JSON" };
        var createNew = new Option<bool>("--new") { Description = "create another sweep even if an identical one of the same name exists" };
        var watch = new Option<bool>("--watch") { Description = "then follow its progress until it ends" };
        var command = new Command("submit", "Submit a sweep: one job per encoder × parameter combination × seed.\nExample: orch submit examples/demo.yaml --watch")
        {
            spec, createNew, watch,
        };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, common, async (cli, ct) =>
        {
            var file = parse.GetValue(spec)!;
            if (!file.Exists)
            {
                throw new UsageException($"spec file {file.FullName} does not exist");
            }

            var specText = WithModelChecksums(await File.ReadAllTextAsync(file.FullName, ct), cli.Json);
            var request = new SubmitSweepRequest { Spec = specText, CreateNew = parse.GetValue(createNew) };
            SubmitSweepResponse submitted;
            try
            {
                submitted = await cli.Connection.Sweeps.SubmitSweepAsync(request, cli.Connection.Call(ct));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
                return cli.Fail($"the spec {file.Name} was refused; nothing was stored. {RefusalProblems.Describe(ex)}", "invalid_spec");
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
            {
                return cli.Fail(AlreadySubmitted(ex), "already_exists");
            }

            if (cli.Json && !parse.GetValue(watch))
            {
                CliContext.WriteJson(submitted);
            }
            else if (!cli.Json)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"submitted sweep #{submitted.SweepId}: {submitted.JobCount} jobs queued"));
            }

            return parse.GetValue(watch) ? await StatusCommands.WatchAsync(cli, submitted.SweepId, ct) : ExitCode.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command Cancel(CommonOptions common)
    {
        var sweep = new Argument<long>("sweep") { Description = "sweep id" };
        var command = new Command("cancel", "Cancel a sweep: queued jobs at once, running ones at their next heartbeat.\nExample: orch cancel 3") { sweep };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, common, async (cli, ct) =>
        {
            var answer = await cli.Connection.Sweeps.CancelSweepAsync(new CancelSweepRequest { SweepId = parse.GetValue(sweep) }, cli.Connection.Call(ct));
            if (cli.Json)
            {
                CliContext.WriteJson(answer);
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"sweep #{parse.GetValue(sweep)}: {answer.CancelledJobs} queued jobs cancelled, {answer.CancelRequestedJobs} running jobs told to stop"));
            }

            return ExitCode.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command Retry(CommonOptions common)
    {
        var sweep = new Argument<long>("sweep") { Description = "sweep id" };
        var failedOnly = new Option<bool>("--failed") { Description = "only failed and lease-lost jobs; cancelled jobs stay cancelled" };
        var command = new Command("retry",
            "Run a sweep's unsuccessful jobs again (failed, lease-lost and cancelled), each with its attempts afresh; the sweep becomes active again.\n" +
            "Example: orch retry 3 --failed")
        {
            sweep, failedOnly,
        };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, common, async (cli, ct) =>
        {
            var id = parse.GetValue(sweep);
            var request = new RetrySweepRequest { SweepId = id, FailedOnly = parse.GetValue(failedOnly) };
            var answer = await cli.Connection.Sweeps.RetrySweepAsync(request, cli.Connection.Call(ct));
            if (cli.Json)
            {
                CliContext.WriteJson(answer);
            }
            else
            {
                Console.WriteLine(RetrySummary(id, request.FailedOnly, answer));
            }

            return ExitCode.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>What `orch submit` says when the coordinator already has this sweep: from the refusal's details, in the CLI's words.</summary>
    /// <summary>
    /// The spec with the sha256 of its ONNX towers' model files filled in where this machine can read them
    /// (absolute paths, or relative ones under ORCH_WEIGHTS_DIR), sent in its canonical form — the form the
    /// coordinator stores anyway. A spec that does not parse here goes as written: the coordinator lists its problems.
    /// </summary>
    internal static string WithModelChecksums(string specText, bool quiet)
    {
        ParsedSweep parsed;
        try
        {
            parsed = SweepSpecParser.Parse(specText);
        }
        catch (SpecValidationException)
        {
            return specText;
        }

        var (spec, filled) = OnnxModelChecksums.FillMissing(parsed.Spec, Environment.GetEnvironmentVariable("ORCH_WEIGHTS_DIR"));
        foreach (var checksum in filled.Where(_ => !quiet))
        {
            Console.Error.WriteLine($"{checksum.Tower}: sha256 {checksum.Sha256} of {checksum.File} added to the spec; workers refuse another file");
        }

        return filled.Count == 0 ? specText : spec.ToCanonicalJson();
    }

    internal static string AlreadySubmitted(RpcException refusal) =>
        ExistingSweep.From(refusal) is { } existing
            ? string.Create(CultureInfo.InvariantCulture, $"sweep {existing.SweepId} named '{existing.Name}' has an identical spec; pass --new to submit it again")
            : refusal.Status.Detail;

    private static string RetrySummary(long sweepId, bool failedOnly, RetrySweepResponse answer)
    {
        var summary = answer.RequeuedJobs == 0
            ? string.Create(CultureInfo.InvariantCulture, $"sweep #{sweepId}: nothing to retry: no {(failedOnly ? "failed or lease-lost" : "failed, lease-lost or cancelled")} jobs")
            : string.Create(CultureInfo.InvariantCulture,
                $"sweep #{sweepId}: {answer.RequeuedJobs} jobs queued again ({answer.RequeuedFailed} failed, {answer.RequeuedLeaseLost} lease-lost, " +
                $"{answer.RequeuedCancelled} cancelled), each with fresh attempts; follow them with `orch status {sweepId} --watch`");
        return answer.CancelledLeft == 0 ? summary
            : summary + string.Create(CultureInfo.InvariantCulture, $"; {answer.CancelledLeft} cancelled jobs left as they are (retry without --failed to run them too)");
    }
}
