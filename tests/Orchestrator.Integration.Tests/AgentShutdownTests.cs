namespace Orchestrator.Integration.Tests;

/// <summary>An idle agent stopped the way systemd, Kubernetes or Slurm stop it: a clean exit, nothing in its log that reads as a failure.</summary>
[Collection(nameof(EndToEnd))]
public sealed class AgentShutdownTests
{
    /// <summary>What in an agent's log reads as a failure (the simple console formatter's level marks, and stack traces).</summary>
    internal static readonly string[] FailureMarks = ["fail:", "crit:", "BackgroundService failed", "Exception"];

    [Fact]
    public async Task An_idle_agent_given_SIGTERM_exits_zero_without_an_error_in_its_log()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        var idle = bed.StartWorker("idle");
        // Every slot waits in LeaseJob on an empty queue when the signal lands.
        await bed.WaitUntilAsync("the agent's slot to be ready", () => Task.FromResult(idle.Log.Contains("] ready", StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // inside the LeaseJob wait, not before it

        idle.Terminate();

        Assert.True(await idle.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the agent exits within its grace period" + Environment.NewLine + idle.Log);
        Assert.True(idle.ExitCode == 0, $"exit code {idle.ExitCode}{Environment.NewLine}{idle.Log}");
        var failures = idle.Log.Split('\n').Where(line => FailureMarks.Any(mark => line.Contains(mark, StringComparison.Ordinal))).ToList();
        Assert.True(failures.Count == 0, "log lines that read as failures:" + Environment.NewLine + string.Join(Environment.NewLine, failures));
    }
}
