using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Orchestrator.Integration.Tests;

/// <summary>A long-running program of ours (an agent, a coordinator) started as its own process, its output kept for failures.</summary>
public sealed class LoggedProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();

    private LoggedProcess(Process process, string name)
    {
        this.process = process;
        Name = name;
    }

    public string Name { get; }

    public int Id => process.Id;

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

    /// <summary>Starts <paramref name="info"/> with its output redirected into <see cref="Log"/>, each line prefixed with <paramref name="name"/>.</summary>
    public static LoggedProcess Start(ProcessStartInfo info, string name)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = new Process { StartInfo = info };
        var started = new LoggedProcess(process, name);
        process.OutputDataReceived += (_, e) => started.Append(e.Data);
        process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>SIGKILL: the process dies without a word, its children with it.</summary>
    public void KillHard() => process.Kill(entireProcessTree: true);

    /// <summary>SIGKILL of this process alone: what it started and detached (an embedded PostgreSQL) lives on, as after a crash.</summary>
    public void KillProcessOnly() => process.Kill(entireProcessTree: false);

    /// <summary>SIGTERM, as systemd, Kubernetes or Slurm stop a service.</summary>
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
