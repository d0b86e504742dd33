using Orchestrator.Shared.Configuration;
using StoredJobState = Orchestrator.Shared.States.JobState;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// A trainer that exited 0 has finished its job: whatever goes wrong with the agent's calls around that moment, the
/// result reaches the coordinator once, on the attempt that produced it. Each case breaks one call at a known point
/// with the agent's fault hook (CallFaultInjection) on a real `orch-worker` against a real coordinator.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class ResultAfterTrainerExitTests
{
    private static readonly TimeSpan SweepTimeout = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData("Heartbeat:Unknown:on-cancel")]      // a heartbeat in flight as the trainer exits, answered Unknown
    [InlineData("Heartbeat:Unavailable:on-cancel")]
    [InlineData("Heartbeat:Internal:on-cancel")]
    [InlineData("ReportProgress:PermissionDenied")]  // an epoch report refused outright
    [InlineData("CompleteJob:Unavailable:after-answer")] // the result stored, its acknowledgement lost
    public async Task A_finished_result_is_delivered_exactly_once_on_attempt_1_whatever_call_fails_around_the_trainer_s_exit(string fault)
    {
        // A lease long enough to outlive a hung heartbeat: a lost result would show up as attempt 2, not as a wait.
        await using var bed = await AgentTestBed.CreateAsync(leaseDuration: TimeSpan.FromSeconds(30));
        // The trainer is held after its epoch until the faulty call is in flight, so the trainer exits while it
        // hangs (on-cancel) whatever the machine's speed: without the hold a fast trainer could end before any heartbeat.
        var environment = bed.HoldTrainersAfterEpoch(1);
        environment[EnvironmentVariables.AgentCallFault] = fault;
        var worker = bed.StartWorker("w", environment: environment);

        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("fault", seeds: 1, epochs: 1));
        await bed.WaitForHeldTrainersAsync(1, SweepTimeout);
        if (fault.EndsWith(":on-cancel", StringComparison.Ordinal))
        {
            await bed.WaitUntilAsync("the faulty call in flight", () => Task.FromResult(worker.Log.Contains("test hook: ", StringComparison.Ordinal)), SweepTimeout);
        }

        bed.ReleaseTrainers();
        await bed.WaitForSweepEndAsync(sweep, SweepTimeout);

        var job = (await bed.JobsAsync(sweep)).Single();
        Assert.True(job.State == StoredJobState.Succeeded && job.Attempt == 1, $"job {job.Id} is {job.State} on attempt {job.Attempt}: {job.Error}{Environment.NewLine}{bed.Logs}");
        Assert.NotNull(job.Result);
        Assert.Equal(1L, await bed.ScalarAsync<long>("SELECT count(*) FROM job_events WHERE job_id = @id AND state = 'succeeded'", job.Id));
        Assert.Contains("test hook: ", worker.Log, StringComparison.Ordinal); // the fault did fire
        Assert.DoesNotContain("the agent failed while running it", worker.Log, StringComparison.Ordinal);
        // The sweep ends when the first CompleteJob commits; with its answer lost the agent learns of it on the retry
        // and only then empties its outbox, so the file goes a moment after the row changes.
        var outbox = Path.Combine(bed.Root, "state-w", "outbox");
        await bed.WaitUntilAsync("the agent's outbox to be empty", () => Task.FromResult(!Directory.EnumerateFiles(outbox).Any()), TimeSpan.FromSeconds(30));
        Assert.Empty(Directory.EnumerateFiles(outbox));
    }

    [Fact]
    public async Task A_trainer_that_finished_before_the_agent_was_stopped_has_its_result_delivered_not_released()
    {
        await using var bed = await AgentTestBed.CreateAsync(leaseDuration: TimeSpan.FromSeconds(30));
        var environment = bed.HoldTrainersAfterEpoch(1);
        environment[EnvironmentVariables.AgentCallFault] = "ReportProgress:Unavailable:on-cancel"; // epoch 1's report hangs until the agent stops
        var worker = bed.StartWorker("w", environment: environment);
        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("stopped-after-exit", seeds: 1, epochs: 1));

        await bed.WaitForHeldTrainersAsync(1, SweepTimeout);
        await bed.WaitUntilAsync("epoch 1's report in flight", () => Task.FromResult(worker.Log.Contains("test hook: ReportProgress held", StringComparison.Ordinal)), SweepTimeout);
        bed.ReleaseTrainers();
        // The agent saw the trainer exit with its result (logged once it is in the outbox).
        await bed.WaitUntilAsync("the trainer to finish", () => Task.FromResult(worker.Log.Contains(": finished", StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
        worker.Terminate(); // the trainer is done; the agent is still busy reporting its last epoch

        Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the agent exits" + Environment.NewLine + worker.Log);
        var job = (await bed.JobsAsync(sweep)).Single();
        Assert.True(job.State == StoredJobState.Succeeded && job.Attempt == 1, $"job {job.Id} is {job.State} on attempt {job.Attempt}: {job.Error}{Environment.NewLine}{bed.Logs}");
        Assert.Equal(1L, await bed.ScalarAsync<long>("SELECT count(*) FROM job_events WHERE job_id = @id AND state = 'succeeded'", job.Id));
        Assert.DoesNotContain("released back to the queue", worker.Log, StringComparison.Ordinal);
    }
}
