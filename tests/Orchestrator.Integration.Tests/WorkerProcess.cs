using System.Diagnostics;
using System.Globalization;
using System.Text;
using Orchestrator.Testing;

namespace Orchestrator.Integration.Tests;

/// <summary>An `orch-worker` agent started as its own process, as a user would run it, with its output kept for failures.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();

    private WorkerProcess(Process process, string name)
    {
        this.process = process;
        Name = name;
    }

    public string Name { get; }

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>The worker's build output: worker/bin/&lt;configuration&gt;/net10.0/orch-worker.dll, built before these tests.</summary>
    public static string Executable
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(RepositoryRoot.Find(), "worker", "bin", configuration, "net10.0", "orch-worker.dll");
        }
    }

    public static WorkerProcess Start(string name, Uri coordinator, string token, string root, int slots, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     Executable, "--coordinator", coordinator.ToString().TrimEnd('/'), "--token", token, "--name", name,
                     "--slots", slots.ToString(CultureInfo.InvariantCulture), "--checkpoint-root", Path.Combine(root, "checkpoints"),
                     "--state-dir", Path.Combine(root, "state-" + name), "--lease-wait", "00:00:02", "--kill-grace", "00:00:05",
                 })
        {
            info.ArgumentList.Add(argument);
        }

        // Keep the agent away from the user's local credentials and data.
        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(root, "config");
        info.Environment["XDG_DATA_HOME"] = Path.Combine(root, "data");
        info.Environment["Logging__LogLevel__Default"] = "Information";
        info.Environment["Logging__LogLevel__orch-worker"] = "Debug";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        info.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var worker = new WorkerProcess(process, name);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL: the agent dies without a word, its trainer children with it.</summary>
    public void KillHard() => process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as systemd, Kubernetes or Slurm stop a worker.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(CultureInfo.InvariantCulture, $"[{Name}] {line}");
        }
    }
}
