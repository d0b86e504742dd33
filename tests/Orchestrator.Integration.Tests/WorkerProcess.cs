using System.Diagnostics;
using System.Globalization;
using Orchestrator.Shared.Configuration;
using Orchestrator.Testing;

namespace Orchestrator.Integration.Tests;

/// <summary>An `orch-worker` agent started as its own process, as a user would run it.</summary>
public static class WorkerProcess
{
    /// <summary>The worker's build output: worker/bin/&lt;configuration&gt;/net10.0/orch-worker.dll, built before these tests.</summary>
    public static string Executable
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(RepositoryRoot.Find(), "worker", "bin", configuration, "net10.0", "orch-worker.dll");
        }
    }

    /// <summary>One `orch-worker ARGS` run to its end (a command, not the agent), in <paramref name="home"/>.</summary>
    public static Task<OrchProcess.Outcome> RunAsync(IEnumerable<string> arguments, string home, TimeSpan? timeout = null) =>
        OrchProcess.RunDotnetAsync([Executable, .. arguments], home, timeout);

    /// <param name="name">the worker's name</param>
    /// <param name="coordinators">one coordinator address, or several comma-separated</param>
    /// <param name="token">the worker token</param>
    /// <param name="root">the test's scratch folder: checkpoints, state, and the agent's XDG folders go there</param>
    /// <param name="slots">CPU slots</param>
    /// <param name="environment">extra environment variables</param>
    public static LoggedProcess Start(string name, string coordinators, string token, string root, int slots, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet");
        foreach (var argument in new[]
                 {
                     Executable, "--coordinator", coordinators, "--token", token, "--name", name,
                     "--slots", slots.ToString(CultureInfo.InvariantCulture), "--checkpoint-root", Path.Combine(root, "checkpoints"),
                     "--state-dir", Path.Combine(root, "state-" + name), "--lease-wait", "00:00:02", "--kill-grace", "00:00:05",
                 })
        {
            info.ArgumentList.Add(argument);
        }

        // Keep the agent away from the user's local credentials and data.
        info.Environment[EnvironmentVariables.XdgConfigHome] = Path.Combine(root, "config");
        info.Environment[EnvironmentVariables.XdgDataHome] = Path.Combine(root, "data");
        LogSettings.ApplyTo(info, verboseCategory: "orch-worker");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return LoggedProcess.Start(info, name);
    }
}

/// <summary>One timestamped line per log entry, so the output of several processes in a failure message reads in order.</summary>
public static class LogSettings
{
    public static void ApplyTo(ProcessStartInfo info, string? verboseCategory = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.Environment["Logging__LogLevel__Default"] = "Information";
        if (verboseCategory is not null)
        {
            info.Environment[$"Logging__LogLevel__{verboseCategory}"] = "Debug";
        }

        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        info.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
    }
}
