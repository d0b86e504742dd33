using System.Text.Json;
using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Agent;
using Orchestrator.Worker.Engine.Data.Readers;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Training;
using TorchSharp;

namespace Orchestrator.Worker.Commands;

/// <summary>
/// `orch-worker train --job JOB.yaml --out DIR [--device cpu|cuda] [--weights-dir DIR] [--data-root DIR] [--resume] [--image-cache DIR]`: runs one job alone, printing
/// progress and writing DIR/metrics.jsonl and DIR/result.json. The agent's children get `--leased-job FILE` instead of `--job`
/// (<see cref="LeasedJobFile"/>). Exit codes are the agent's contract
/// (<see cref="TrainerExitCode"/>): 0 done, 2 bad command line, 3 invalid job (missing or mismatched weights included),
/// 5 diverged; a crash is anything else.
/// </summary>
public static class TrainCommand
{
    public const int InvalidInput = TrainerExitCode.InvalidJob;
    public const int Diverged = TrainerExitCode.Diverged;

    /// <summary>
    /// Test hook: when set to a file path that does not exist yet, the trainer creates it and aborts the process
    /// (a native-style crash), so tests can check that a crashed attempt is retried and the next one succeeds.
    /// </summary>
    public const string CrashOnceVariable = "ORCH_TRAINER_CRASH_ONCE";

    public static int Run(IEnumerable<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        CommandArguments options;
        JobDefinition job;
        TrainerHold? hold;
        try
        {
            options = new CommandArguments(args, new HashSet<string> { "--job", "--leased-job", "--out", "--device", "--threads", "--weights-dir", "--data-root", "--image-cache" }, new HashSet<string> { "--resume" });
            job = ReadJob(options.Get("--job"), options.Get("--leased-job"), options.Get("--data-root"), output);
            hold = TrainerHold.FromEnvironment(options.Require("--out"));
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
        var outputDirectory = options.Require("--out");
        Directory.CreateDirectory(outputDirectory);
        torch.set_num_threads(options.GetInt("--threads", Environment.ProcessorCount));
        var resume = options.Has("--resume");
        using var metrics = new JsonLinesMetricsSink(Path.Combine(outputDirectory, "metrics.jsonl"), append: resume);
        var trainer = new ClipTrainer(
            job,
            new TrainingOptions(outputDirectory)
            {
                Device = options.Get("--device") ?? "cpu",
                WeightsDirectory = options.Get("--weights-dir") ?? AgentPaths.WeightsDirectory,
                Resume = resume,
                ImageCacheDirectory = options.Get("--image-cache"),
                EpochDone = epoch => hold?.EpochDone(epoch),
                Log = output.WriteLine,
            },
            new FanOutMetricsSink(new ConsoleProgressSink(output), metrics));
        output.WriteLine($"job {job.JobKey[..12]}: {job.Parameters.Encoder} + {job.Parameters.TextEncoder}, {job.Parameters.Loss} loss, {job.Parameters.Epochs} epochs, {torch.get_num_threads()} threads");
        try
        {
            var result = trainer.Run();
            File.WriteAllText(Path.Combine(outputDirectory, "result.json"), JsonSerializer.Serialize(result, EngineJson.Indented));
            output.WriteLine($"done: val loss {result.ValLoss:0.0000}, t2i R@1 {result.Retrieval?.TextToImage.R1:P1}, result in {Path.Combine(outputDirectory, "result.json")}");
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
    }

    /// <summary>
    /// The job to run: a job file someone wrote (`--job`, through the spec parser) or the job the agent leased
    /// (`--leased-job`, as stored, refused when its parameters do not match its key). The trainer validates it once.
    /// </summary>
    private static JobDefinition ReadJob(string? jobFile, string? leasedJobFile, string? dataRoot, TextWriter output)
    {
        JobDefinition job;
        if (jobFile is not null && leasedJobFile is null)
        {
            job = SweepSpecParser.ParseSingleJob(File.ReadAllText(jobFile));
        }
        else if (leasedJobFile is not null && jobFile is null)
        {
            var leased = LeasedJobFile.Read(leasedJobFile);
            output.WriteLine($"leased job {leased.JobId} attempt {leased.Attempt} of sweep {leased.SweepId}: parameters match job key {leased.JobKey}");
            job = leased.Job;
        }
        else
        {
            throw new ArgumentException("give either --job JOB.yaml (a job file) or --leased-job FILE (the job the agent leased)");
        }

        return job with { Dataset = DatasetPaths.Resolve(job.Dataset, dataRoot) };
    }

    private static void CrashOnceIfAsked()
    {
        var marker = Environment.GetEnvironmentVariable(CrashOnceVariable);
        if (!string.IsNullOrEmpty(marker) && !File.Exists(marker))
        {
            File.WriteAllText(marker, "crashed once");
            Environment.FailFast("test hook: " + CrashOnceVariable);
        }
    }
}
