using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Orchestrator.Shared.Configuration;
using StoredJobState = Orchestrator.Shared.States.JobState;

namespace Orchestrator.Integration.Tests.Deployment;

/// <summary>
/// infra/slurm/orch-worker.sbatch: valid bash, the worker command infra/README.md documents, an early SIGTERM that
/// leaves the agent time to drain, and, run as Slurm would run it, an agent that registers and gives its job back.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed partial class SlurmScriptTests
{
    private static readonly string Script = DeploymentFiles.InRepository("infra/slurm/orch-worker.sbatch");

    [Fact]
    public void The_script_is_valid_bash()
    {
        var check = Run("bash", "-n", Script);

        Assert.True(check.ExitCode == 0, check.Error);
    }

    [Fact]
    public void Its_worker_command_line_is_the_one_infra_README_documents()
    {
        var inScript = WorkerCommands(File.ReadAllText(Script));
        var readme = File.ReadAllText(DeploymentFiles.InRepository("infra/README.md"));
        var slurmSection = readme[readme.IndexOf("\n## Slurm", StringComparison.Ordinal)..];
        slurmSection = slurmSection[..(slurmSection.IndexOf("\n## ", 1, StringComparison.Ordinal) is var end and > 0 ? end : slurmSection.Length)];

        var command = Assert.Single(inScript);
        Assert.Equal([command], WorkerCommands(slurmSection));
        Assert.StartsWith("orch-worker agent --coordinator \"$ORCH_COORDINATOR\"", command, StringComparison.Ordinal);
    }

    [Fact]
    public void Slurm_signals_the_worker_early_enough_for_it_to_give_its_job_back_before_the_time_limit()
    {
        var directives = File.ReadAllLines(Script).Where(l => l.StartsWith("#SBATCH ", StringComparison.Ordinal)).Select(l => l[8..].Trim()).ToList();
        var signal = SignalDirective().Match(string.Join('\n', directives));

        Assert.True(signal.Success, "#SBATCH --signal=B:TERM@SECONDS: the batch shell (the agent, after exec) gets SIGTERM before the limit");
        Assert.True(TimeSpan.FromSeconds(int.Parse(signal.Groups[1].Value, CultureInfo.InvariantCulture)) >= DeploymentFiles.WorkerDrain);
        Assert.Contains(directives, d => d.StartsWith("--time=", StringComparison.Ordinal));
        Assert.Contains("--gres=gpu:1", directives);
        Assert.Contains(directives, d => d.StartsWith("--array=", StringComparison.Ordinal));
        Assert.Contains(File.ReadAllLines(Script), l => l.StartsWith("exec orch-worker agent ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_as_an_array_task_the_agent_registers_under_its_index_and_on_SIGTERM_gives_its_job_back_and_exits_zero()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        var home = Path.Combine(bed.Root, "slurm-home");
        var shared = Path.Combine(bed.Root, "slurm-shared");
        var tokenFile = Path.Combine(bed.Root, "worker-token");
        // The published worker as the script expects it in $ORCH_HOME/orch-worker; exec keeps the process Slurm signals.
        Directory.CreateDirectory(Path.Combine(home, "orch-worker"));
        var launcher = Path.Combine(home, "orch-worker", "orch-worker");
        await File.WriteAllTextAsync(launcher, $"#!/bin/sh\nexec dotnet \"{WorkerProcess.Executable}\" \"$@\"\n");
        if (!OperatingSystem.IsWindows()) // Slurm and bash: Linux only, like the rest of these end-to-end tests
        {
            File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await File.WriteAllTextAsync(tokenFile, AgentTestBed.WorkerToken + "\n");

        var info = new ProcessStartInfo("bash") { ArgumentList = { Script }, WorkingDirectory = bed.Root };
        info.Environment[EnvironmentVariables.Coordinator] = bed.Address.ToString().TrimEnd('/');
        info.Environment["ORCH_HOME"] = home;
        info.Environment["ORCH_SHARED"] = shared;
        info.Environment["ORCH_WORKER_TOKEN_FILE"] = tokenFile;
        info.Environment["SLURM_ARRAY_TASK_ID"] = "3";
        info.Environment[EnvironmentVariables.XdgConfigHome] = Path.Combine(bed.Root, "config");
        info.Environment[EnvironmentVariables.XdgDataHome] = Path.Combine(bed.Root, "data");
        info.Environment.Remove(EnvironmentVariables.WorkerToken);
        info.Environment.Remove(EnvironmentVariables.CudaVisibleDevices);
        info.Environment.Remove(EnvironmentVariables.WeightsDirectory);
        LogSettings.ApplyTo(info);
        foreach (var (name, value) in bed.HoldTrainersAfterEpoch(1))
        {
            info.Environment[name] = value;
        }

        var task = bed.AddWorker(LoggedProcess.Start(info, "slurm-task-3"));

        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("slurm", seeds: 1, epochs: 3));
        // Held after epoch 1: the signal lands on a running job with a checkpoint, whatever the machine's speed.
        await bed.WaitForHeldTrainersAsync(1, TimeSpan.FromMinutes(3));
        var registered = await WorkerNamesAsync(bed);
        task.Terminate(); // what --signal=B:TERM@300 does five minutes before the time limit

        Assert.True(await task.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the agent drains within its grace" + Environment.NewLine + task.Log);
        Assert.Equal(0, task.ExitCode);
        Assert.Equal(["slurm-3"], registered);
        var released = (await bed.JobsAsync(sweep)).Single();
        Assert.Equal(StoredJobState.Queued, released.State);
        Assert.Equal(2, released.Attempt);
        Assert.Equal(4, released.MaxAttempts); // a released attempt is not counted against the job
        Assert.True(Directory.EnumerateFiles(Path.Combine(shared, "checkpoints"), "*", SearchOption.AllDirectories).Any(), "checkpoints land in the shared folder");
        Assert.True(Directory.Exists(Path.Combine(shared, "state", "slurm-3", "outbox")), "the task's state folder is kept per array index");
        Assert.True(Directory.Exists(Path.Combine(shared, "weights")), "pretrained weights are looked up in the shared folder");
    }

    /// <summary>`orch-worker agent …` lines (continuations joined, a leading `exec` dropped).</summary>
    private static List<string> WorkerCommands(string text) =>
        Regex.Replace(text, @"\\\n\s*", " ").Split('\n')
            .Select(l => l.Trim())
            .Select(l => l.StartsWith("exec ", StringComparison.Ordinal) ? l[5..] : l)
            .Where(l => l.StartsWith("orch-worker agent ", StringComparison.Ordinal))
            .ToList();

    private static async Task<List<string>> WorkerNamesAsync(AgentTestBed bed)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT name FROM workers ORDER BY name", connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static (int ExitCode, string Error) Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }

    [GeneratedRegex(@"--signal=B:TERM@(\d+)")]
    private static partial Regex SignalDirective();
}
