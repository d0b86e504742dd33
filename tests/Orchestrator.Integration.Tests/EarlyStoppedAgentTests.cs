using Google.Protobuf.WellKnownTypes;
using Orchestrator.Protos;
using StoredJobState = Orchestrator.Shared.States.JobState;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// A real `orch-worker` whose job the coordinator stops early: it stops the trainer as for a cancel (SIGTERM), keeps
/// the trainer's checkpoint and delivers nothing, and the job stays `stopped`.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class EarlyStoppedAgentTests
{
    private static readonly TimeSpan SweepTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_agent_stops_a_job_the_coordinator_stopped_early_and_keeps_its_checkpoint()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("asha-agent", seeds: 2, epochs: 3) +
            "\nearly_stopping: {type: asha, grace: 1, eta: 2, judge_seeds: separately}\n");

        // A scripted worker takes the first job and reports a validation loss no real trainer reaches, so the real
        // trainer's first epoch is behind it at rung 1 (best 1 of 2) whatever the machine computes.
        var scripted = new WorkerService.WorkerServiceClient(bed.Coordinator!.Connect(AgentTestBed.WorkerToken));
        var scriptedId = (await scripted.RegisterWorkerAsync(new RegisterWorkerRequest { Name = "scripted", Host = "test", Version = "test" })).WorkerId;
        var first = (await scripted.LeaseJobAsync(new LeaseJobRequest { WorkerId = scriptedId, Wait = Duration.FromTimeSpan(TimeSpan.Zero) })).Job;
        var report = new ReportProgressRequest { Lease = new LeaseToken { JobId = first.JobId, Attempt = first.Attempt, WorkerId = scriptedId }, Epoch = 1, Step = 3 };
        report.Metrics.Add("val_loss", -1000);
        await scripted.ReportProgressAsync(report);

        // Held after epoch 1 (checkpointed) and never released: only the stop can end this trainer.
        bed.StartWorker("w", environment: bed.HoldTrainersAfterEpoch(1));
        var jobId = (await bed.JobsAsync(sweep)).Single(j => j.Id != first.JobId).Id;
        await bed.WaitUntilAsync("the job to end stopped", async () => (await bed.JobsAsync(sweep)).Single(j => j.Id == jobId).State == StoredJobState.Stopped, SweepTimeout);
        await bed.WaitUntilAsync("the agent to stop its trainer", () => Task.FromResult(bed.Logs.Contains("stopped early by its sweep's rule", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

        var folder = Path.Combine(bed.CheckpointRoot, $"sweep-{sweep}", $"job-{jobId}");
        Assert.Equal([1], await bed.EpochsReportedAsync(jobId));
        Assert.Equal(StoredJobState.Stopped, (await bed.JobsAsync(sweep)).Single(j => j.Id == jobId).State);
        Assert.Equal(1L, await bed.ScalarAsync<long>("SELECT count(*) FROM job_stops WHERE job_id = @id AND rung = 1 AND cut = -1000", jobId));
        Assert.False(File.Exists(Path.Combine(folder, "result.json")));
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(folder, "checkpoints"), "*", SearchOption.AllDirectories));
        Assert.Contains("stopped early (ASHA rung 1", bed.Logs, StringComparison.Ordinal);
    }
}
