using System.Diagnostics;
using System.Globalization;
using Orchestrator.Shared.Configuration;

namespace Orchestrator.Coordinator.Cli;

/// <summary>An `orch-worker` agent the demo starts beside the coordinator, and stops with SIGTERM when it is done.</summary>
public sealed class LocalWorker
{
    private readonly Process process;

    private LocalWorker(Process process) => this.process = process;

    /// <summary>
    /// The worker program: ORCH_WORKER (a path to orch-worker or orch-worker.dll), else the build beside this one
    /// (worker/bin/&lt;configuration&gt;/net10.0 in a checkout, which building the coordinator also builds).
    /// </summary>
    public static string Program()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariables.WorkerProgram);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var beside = Path.Combine(AppContext.BaseDirectory, "orch-worker.dll");
        if (File.Exists(beside))
        {
            return beside;
        }

        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "worker", "bin", configuration, "net10.0", "orch-worker.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new UsageException("orch-worker was not found: build it (`dotnet build worker`) or set " + EnvironmentVariables.WorkerProgram + " to its path");
    }

    public static LocalWorker Start(string name, Uri coordinator, string token, string scratch, int threadsPerSlot)
    {
        var program = Program();
        var info = program.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet") { ArgumentList = { program } } : new ProcessStartInfo(program);
        foreach (var argument in new[]
                 {
                     "--coordinator", coordinator.ToString().TrimEnd('/'), "--token", token, "--name", name, "--slots", "1",
                     "--threads-per-slot", threadsPerSlot.ToString(CultureInfo.InvariantCulture),
                     "--checkpoint-root", Path.Combine(scratch, "checkpoints"), "--state-dir", Path.Combine(scratch, name),
                     "--lease-wait", "00:00:05",
                 })
        {
            info.ArgumentList.Add(argument);
        }

        info.UseShellExecute = false;
        info.RedirectStandardOutput = true; // the demo shows the sweep's progress, not every worker's log
        info.RedirectStandardError = true;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + program);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new LocalWorker(process);
    }

    public async Task StopAsync()
    {
        if (process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }
}
