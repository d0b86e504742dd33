using System.Diagnostics;

namespace Orchestrator.Worker.Tests.Weights;

/// <summary>
/// `dotnet orch-worker.dll ARGS` in a process of its own, as jobs of one machine run: only separate processes
/// contend for a cache file's lock. Returns the exit code and everything it printed (stdout, then stderr).
/// </summary>
internal static class WorkerChildProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <param name="arguments">What follows `orch-worker` on its command line.</param>
    /// <param name="environment">Variables to set for the child; a null value removes one it would inherit.</param>
    public static async Task<(int Code, string Output)> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments.Prepend(Path.Combine(AppContext.BaseDirectory, "orch-worker.dll")))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"orch-worker {string.Join(' ', start.ArgumentList.Skip(1))} ran past {Timeout.TotalMinutes} min");
        }

        return (process.ExitCode, await output + await error);
    }
}
