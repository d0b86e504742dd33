using System.Diagnostics;
using Orchestrator.Shared.Configuration;
using Orchestrator.Testing;

namespace Orchestrator.Integration.Tests;

/// <summary>Runs the `orch` command line as its own process, the way a user or a script does.</summary>
public static class OrchProcess
{
    public sealed record Outcome(int ExitCode, string Output, string Error);

    public static string Executable
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(RepositoryRoot.Find(), "coordinator", "bin", configuration, "net10.0", "orch.dll");
        }
    }

    public static async Task<Outcome> RunAsync(IEnumerable<string> arguments, string home, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = home,
        };
        info.ArgumentList.Add(Executable);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // No local credentials or environment of the user leak into the test.
        info.Environment[EnvironmentVariables.XdgConfigHome] = Path.Combine(home, "config");
        info.Environment[EnvironmentVariables.XdgDataHome] = Path.Combine(home, "data");
        info.Environment.Remove(EnvironmentVariables.Coordinator);
        info.Environment.Remove(EnvironmentVariables.ClientToken);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new Outcome(process.ExitCode, await output, await error);
    }
}
