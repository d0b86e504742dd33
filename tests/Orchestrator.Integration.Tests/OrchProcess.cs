using System.Diagnostics;
using Orchestrator.Shared.Configuration;
using Orchestrator.Testing;

namespace Orchestrator.Integration.Tests;

/// <summary>Runs the `orch` command line (or another built program through `dotnet`) as its own process, the way a user or a script does.</summary>
public static class OrchProcess
{
    public sealed record Outcome(int ExitCode, string Output, string Error);

    private static string Configuration => AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string Executable => Path.Combine(RepositoryRoot.Find(), "coordinator", "bin", Configuration, "net10.0", "orch.dll");

    public static Task<Outcome> RunAsync(IEnumerable<string> arguments, string home, TimeSpan? timeout = null) =>
        RunDotnetAsync([Executable, .. arguments], home, timeout);

    /// <summary>
    /// `orch serve ARGS` with valid tokens and a database it never reaches, in <paramref name="root"/>: only a refused
    /// setting of the endpoints can stop it, before it serves (exit code 2).
    /// </summary>
    public static async Task<Outcome> ServeWithoutDatabaseAsync(string root, params string[] arguments)
    {
        var tokens = Path.Combine(root, "tokens");
        await File.WriteAllTextAsync(tokens, "worker w-token\nclient c-token\n");
        return await RunAsync(["serve", "--db", "Host=127.0.0.1;Port=1;Username=nobody;Database=none", "--tokens-file", tokens, .. arguments], root, TimeSpan.FromSeconds(30));
    }

    /// <summary>`dotnet run --project coordinator -- ARGS` from <paramref name="home"/>, the way README starts orch (built already).</summary>
    public static Task<Outcome> RunThroughDotnetRunAsync(IEnumerable<string> arguments, string home, TimeSpan? timeout = null) =>
        RunDotnetAsync(["run", "--no-build", "-c", Configuration, "--project", Path.Combine(RepositoryRoot.Find(), "coordinator"), "--", .. arguments], home, timeout);

    /// <summary>Runs `dotnet ARGS` in <paramref name="home"/> (its working directory) with the user's credentials and coordinator kept out.</summary>
    public static async Task<Outcome> RunDotnetAsync(IEnumerable<string> dotnetArguments, string home, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = home,
        };
        foreach (var argument in dotnetArguments)
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
