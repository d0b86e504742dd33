using System.Diagnostics;

namespace Orchestrator.Worker.Agent;

/// <summary>What to start for one job: the program, its arguments and extra environment.</summary>
public sealed record TrainerLaunch(string Program, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment);

/// <summary>
/// A trainer child process. Running training outside the agent's process means a native crash, an
/// out-of-memory abort or a leak ends one job, not the agent. Keeps the tail of its error output for the report.
/// </summary>
public sealed class TrainerProcess : IDisposable
{
    private readonly Process process;
    private readonly int tailLines;
    private readonly Queue<string> errorTail = new();
    private readonly TaskCompletionSource<int> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TrainerProcess(Process process, int tailLines)
    {
        this.process = process;
        this.tailLines = tailLines;
    }

    public int ProcessId => process.Id;

    /// <summary>Completes with the exit code.</summary>
    public Task<int> Exited => exited.Task;

    public string ErrorTail
    {
        get
        {
            lock (errorTail)
            {
                return string.Join(Environment.NewLine, errorTail);
            }
        }
    }

    /// <summary>Output lines of the child, for the agent's own log.</summary>
    public event Action<string>? OutputLine;

    /// <param name="launch">what to start</param>
    /// <param name="tailLines">how many of its last error lines <see cref="ErrorTail"/> keeps</param>
    public static TrainerProcess Start(TrainerLaunch launch, int tailLines)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var info = new ProcessStartInfo(launch.Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in launch.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in launch.Environment)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var trainer = new TrainerProcess(process, tailLines);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                trainer.OutputLine?.Invoke(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                trainer.RememberError(e.Data);
            }
        };
        process.Exited += (_, _) =>
        {
            // WaitForExit() with no timeout also drains the redirected streams, so the error tail is complete.
            process.WaitForExit();
            trainer.exited.TrySetResult(process.ExitCode);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return trainer;
    }

    /// <summary>SIGTERM first, so the trainer can stop cleanly; SIGKILL to the whole tree after the grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (Exited.IsCompleted)
        {
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            // .NET has no API to send SIGTERM; kill(1) does it without unsafe interop.
            using var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            term?.WaitForExit();
        }

        if (await Task.WhenAny(Exited, Task.Delay(grace)) != Exited)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill.
            }

            await Exited;
        }
    }

    public void Dispose() => process.Dispose();

    private void RememberError(string line)
    {
        if (line.StartsWith("[W", StringComparison.Ordinal) && line.Contains(".cpp:", StringComparison.Ordinal))
        {
            return; // LibTorch's own warnings (NNPACK on older CPUs) would push the real error out of the tail
        }

        lock (errorTail)
        {
            errorTail.Enqueue(line);
            while (errorTail.Count > tailLines)
            {
                errorTail.Dequeue();
            }
        }
    }
}
