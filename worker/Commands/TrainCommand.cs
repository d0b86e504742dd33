using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using Orchestrator.Shared.Configuration;
using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Agent;
using Orchestrator.Worker.Engine.Data.Readers;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Training;
using Orchestrator.Worker.Engine.Weights;
using TorchSharp;

namespace Orchestrator.Worker.Commands;

/// <summary>
/// `orch-worker train --job JOB.yaml --out DIR [--device cpu|cuda] [--weights-dir DIR] [--offline] [--data-root DIR] [--resume] [--image-cache DIR]`: runs one job alone, printing
/// progress and writing DIR/metrics.jsonl and DIR/result.json. The agent's children get `--leased-job FILE` instead of
/// `--job` (<see cref="LeasedJobFile"/>). Exit codes are the agent's contract
/// (<see cref="TrainerExitCode"/>): 0 done, 2 bad command line (the parser's, before anything runs), 3 invalid job
/// (missing or mismatched weights included), 4 unusable dataset, 5 diverged, 6 device unusable; a crash is anything else.
/// </summary>
public static class TrainCommand
{
    public const string Name = "train";

    public const int InvalidInput = TrainerExitCode.InvalidJob;
    public const int Diverged = TrainerExitCode.Diverged;

    public static Command Create()
    {
        var job = new Option<string?>("--job") { Description = "the job: a sweep spec (YAML or JSON) that expands to exactly one job" };
        var leasedJob = new Option<string?>("--leased-job") { Description = "the job as the agent leased it (stored parameters and job key; the agent writes it)" };
        var output = new Option<string>("--out") { Description = "where metrics.jsonl, result.json and checkpoints/ go", Required = true };
        var device = new Option<string>("--device") { Description = "cpu or cuda (exit 6 when CUDA is not available)", DefaultValueFactory = _ => "cpu" };
        device.AcceptOnlyFromAmong("cpu", "cuda");
        var threads = new Option<int>("--threads") { Description = "LibTorch threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var weights = new Option<string?>("--weights-dir") { Description = "pretrained weights (default: ORCH_WEIGHTS_DIR, else ~/.cache/orchestrator/weights)" };
        var dataRoot = new Option<string?>("--data-root") { Description = "relative dataset paths in the job are taken from here" };
        var resume = new Option<bool>("--resume") { Description = "continue after the last completed epoch in DIR/checkpoints/last" };
        var offline = new Option<bool>("--offline") { Description = "download no missing pretrained weights (as ORCH_WEIGHTS_OFFLINE=1): a missing file fails the job" };
        var imageCache = new Option<string?>("--image-cache") { Description = "decoded-image cache (default: ORCH_CACHE_DIR, else ~/.cache/orchestrator/images)" };
        var command = new Command(Name, "Train one job alone, printing progress and writing metrics.jsonl and result.json.\n" +
                                        "Exit codes: 0 done, 2 bad command line, 3 invalid job, 4 unusable dataset, 5 diverged, 6 device unusable.\n" +
                                        "Example: orch-worker train --job worker/examples/tiny-synthetic.yaml --out runs/tiny")
        {
            job, leasedJob, output, device, threads, weights, dataRoot, resume, imageCache, offline,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(job) is null) == (result.GetValue(leasedJob) is null))
            {
                result.AddError("give either --job JOB.yaml (a job file) or --leased-job FILE (the job the agent leased), not both");
            }
        });
        command.SetAction(parse => Run(
            new TrainArguments(parse.GetValue(job), parse.GetValue(leasedJob), parse.GetValue(output)!, parse.GetValue(device)!, parse.GetValue(threads), parse.GetValue(weights), parse.GetValue(dataRoot), parse.GetValue(resume), parse.GetValue(imageCache), parse.GetValue(offline)),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>`orch-worker train ARGS` in this process, through the same command line.</summary>
    public static int Run(IEnumerable<string> args, TextWriter output, TextWriter error) => WorkerCli.Run([Name, .. args], output, error);

    private static int Run(TrainArguments options, TextWriter output, TextWriter error)
    {
        JobDefinition job;
        int? attempt;
        TrainerHold? hold;
        WeightsSettings downloads;
        try
        {
            (job, attempt) = ReadJob(options.Job, options.LeasedJob, options.DataRoot, output);
            downloads = WeightsSettings.FromEnvironment();
            downloads = downloads with { Offline = downloads.Offline || options.Offline };
            hold = TrainerHold.FromEnvironment(options.Out);
        }
        catch (SpecValidationException e)
        {
            error.WriteLine(e.Message);
            return InvalidInput;
        }
        catch (Exception e) when (e is ArgumentException or InvalidJobException or IOException)
        {
            error.WriteLine(e.Message);
            return InvalidInput;
        }

        CrashOnceIfAsked();
        var outputDirectory = options.Out;
        Directory.CreateDirectory(outputDirectory);
        torch.set_num_threads(options.Threads);
        var resume = options.Resume;
        using var metrics = new JsonLinesMetricsSink(Path.Combine(outputDirectory, TrainerLayout.MetricsFile), append: resume, attempt);
        var trainer = new ClipTrainer(
            job,
            new TrainingOptions(outputDirectory)
            {
                Device = options.Device,
                WeightsDirectory = options.WeightsDirectory ?? AgentPaths.WeightsDirectory,
                WeightDownloads = downloads,
                Resume = resume,
                ImageCacheDirectory = options.ImageCache,
                EpochDone = epoch => hold?.EpochDone(epoch),
                Log = output.WriteLine,
            },
            new FanOutMetricsSink(metrics, new ConsoleProgressSink(output))); // the file first: a closed stdout must not cost the line the agent relays
        output.WriteLine($"job {job.JobKey[..12]}: {job.Parameters.Encoder} + {job.Parameters.TextEncoder}, {job.Parameters.Loss} loss, {job.Parameters.Epochs} epochs, {torch.get_num_threads()} threads");
        try
        {
            var result = trainer.Run();
            File.WriteAllText(Path.Combine(outputDirectory, TrainerLayout.ResultFile), JsonSerializer.Serialize(result, EngineJson.Indented));
            output.WriteLine($"done: val loss {result.ValLoss:0.0000}, t2i R@1 {result.Retrieval?.TextToImage.R1:P1}, result in {Path.Combine(outputDirectory, TrainerLayout.ResultFile)}");
            return 0;
        }
        catch (InvalidJobException e)
        {
            error.WriteLine(e.Message);
            return InvalidInput;
        }
        catch (TrainingDivergedException e)
        {
            error.WriteLine(e.Message);
            return Diverged;
        }
        catch (DatasetFormatException e)
        {
            error.WriteLine("dataset unusable: " + e.Message);
            return TrainerExitCode.DatasetUnusable;
        }
        catch (DeviceUnavailableException e)
        {
            error.WriteLine("device unusable: " + e.Message);
            return TrainerExitCode.DeviceError;
        }
        catch (ExternalException e) when (TrainerExitClassifier.NamesDeviceError(e.Message))
        {
            // LibTorch's own report of a failing GPU (out of memory, a lost device): the slot's health counts it.
            error.WriteLine("device failed: " + e.Message);
            return TrainerExitCode.DeviceError;
        }
    }

    /// <summary>
    /// The job to run: a job file someone wrote (`--job`, through the spec parser) or the job the agent leased
    /// (`--leased-job`, as stored, refused when its parameters do not match its key). The trainer validates it once.
    /// </summary>
    /// <summary>The job to train, and the attempt it is when the agent leased it (null for a hand-written job file).</summary>
    private static (JobDefinition Job, int? Attempt) ReadJob(string? jobFile, string? leasedJobFile, string? dataRoot, TextWriter output)
    {
        // The command's validator has made sure exactly one of the two is given.
        JobDefinition job;
        int? attempt = null;
        if (leasedJobFile is not null)
        {
            var leased = LeasedJobFile.Read(leasedJobFile);
            output.WriteLine($"leased job {leased.JobId} attempt {leased.Attempt} of sweep {leased.SweepId}: parameters match job key {leased.JobKey}");
            job = leased.Job;
            attempt = leased.Attempt;
        }
        else
        {
            job = SweepSpecParser.ParseSingleJob(File.ReadAllText(jobFile!));
        }

        return (job with { Dataset = DatasetPaths.Resolve(job.Dataset, dataRoot) }, attempt);
    }

    private static void CrashOnceIfAsked()
    {
        // Test hook: a file path that does not exist yet makes the trainer create it and abort (a native-style crash),
        // so tests can check that a crashed attempt is retried and the next one succeeds.
        var marker = Environment.GetEnvironmentVariable(EnvironmentVariables.TrainerCrashOnce);
        if (!string.IsNullOrEmpty(marker) && !File.Exists(marker))
        {
            File.WriteAllText(marker, "crashed once");
            Environment.FailFast("test hook: " + EnvironmentVariables.TrainerCrashOnce);
        }
    }

    /// <summary>The parsed command line of one `train` run.</summary>
    private sealed record TrainArguments(string? Job, string? LeasedJob, string Out, string Device, int Threads, string? WeightsDirectory, string? DataRoot, bool Resume, string? ImageCache, bool Offline);
}
