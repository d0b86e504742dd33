using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// A measurement run by hand, not a check: how long a job stays without a trainer after `kill -9` of the agent
/// running it, with the coordinator's default settings. The killed agent is started again at once (as a
/// supervisor or container runtime would) and a second agent stands by; the time ends when the job runs again
/// on either. With ORCH_MEASURE_RECOVERY_RESTART=0 the killed agent stays dead (a preempted machine): only the
/// lease's expiry frees the job. Set ORCH_MEASURE_RECOVERY_KILLS to the number of kills and run with a detailed console logger:
/// `ORCH_MEASURE_RECOVERY_KILLS=5 dotnet test tests/Orchestrator.Integration.Tests --filter "FullyQualifiedName~RecoveryTimeMeasurement" --logger "console;verbosity=detailed"`.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class RecoveryTimeMeasurement(ITestOutputHelper output)
{
    public const string KillsVariable = "ORCH_MEASURE_RECOVERY_KILLS";
    public const string RestartVariable = "ORCH_MEASURE_RECOVERY_RESTART";

    // The shipped lease is minutes long; a measurement that never recovers must still end.
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);

    [SkippableFact]
    public async Task Recovery_after_kill_9_of_an_agent_with_default_settings()
    {
        var setting = Environment.GetEnvironmentVariable(KillsVariable);
        Skip.If(setting is null, $"a measurement, minutes long: set {KillsVariable} to the number of kills to run it");
        var kills = int.Parse(setting, CultureInfo.InvariantCulture);
        var restart = Environment.GetEnvironmentVariable(RestartVariable) != "0";

        var seconds = new List<double>();
        for (var kill = 1; kill <= kills; kill++)
        {
            var elapsed = await MeasureOneKillAsync(restart);
            seconds.Add(elapsed.TotalSeconds);
            output.WriteLine($"kill {kill}: job running again after {elapsed.TotalSeconds:F1} s");
        }

        seconds.Sort();
        var median = seconds.Count % 2 == 1 ? seconds[seconds.Count / 2] : (seconds[(seconds.Count / 2) - 1] + seconds[seconds.Count / 2]) / 2;
        output.WriteLine($"recovery after kill -9, default settings, killed agent {(restart ? "restarted at once" : "left dead")}, {kills} kill(s): median {median:F1} s, min {seconds[0]:F1} s, max {seconds[^1]:F1} s");
    }

    /// <summary>One fresh world: a job held mid-run on the victim, the victim killed with its trainer (and restarted).</summary>
    private static async Task<TimeSpan> MeasureOneKillAsync(bool restart)
    {
        await using var bed = await AgentTestBed.CreateAsync(defaultTiming: true);
        var hold = bed.HoldTrainersAfterEpoch(1);
        var victim = bed.StartWorker("victim", environment: hold);
        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("recovery", seeds: 1, epochs: 2));
        await bed.WaitForHeldTrainersAsync(1, StartLimit);
        bed.StartWorker("standby", environment: hold);
        var job = (await bed.JobsAsync(sweep)).Single();

        var clock = Stopwatch.StartNew();
        victim.KillHard();
        if (restart)
        {
            bed.StartWorker("victim", environment: hold);
        }

        await bed.WaitUntilAsync($"job {job.Id} running again on a later attempt",
            async () => await bed.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE id = @id AND state = 'running' AND attempt > 1", job.Id) == 1,
            RecoveryLimit);
        return clock.Elapsed;
    }
}
