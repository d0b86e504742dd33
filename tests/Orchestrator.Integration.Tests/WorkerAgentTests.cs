using System.Text.Json;
using Orchestrator.Protos;
using Orchestrator.Shared.Configuration;
using StoredJobState = Orchestrator.Shared.States.JobState;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// The worker agent against a real coordinator: real `orch-worker` processes training tiny models. Each test
/// has its own database, coordinator and folder.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class WorkerAgentTests
{
    private static readonly TimeSpan SweepTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Two_workers_with_two_slots_each_finish_a_six_job_sweep_with_every_epoch_and_one_result_per_job()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        bed.StartWorker("a", slots: 2);
        bed.StartWorker("b", slots: 2);

        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("six", seeds: 6, epochs: 2));
        await bed.WaitForSweepEndAsync(sweep, SweepTimeout);

        var jobs = await bed.JobsAsync(sweep);
        Assert.Equal(6, jobs.Count);
        Assert.All(jobs, j => Assert.True(j.State == StoredJobState.Succeeded && j.Attempt == 1, $"job {j.Id} is {j.State} on attempt {j.Attempt}: {j.Error}{Environment.NewLine}{bed.Logs}"));
        foreach (var job in jobs)
        {
            Assert.Equal([1, 2], await bed.EpochsReportedAsync(job.Id));
            using var result = JsonDocument.Parse(job.Result!);
            var final = result.RootElement;
            // The result is the last epoch's evaluation, as the trainer reported it, and its recalls are ordered.
            var lastEpoch = await bed.ScalarAsync<double>("SELECT (metrics->>'t2i_r1')::float8 FROM job_metrics WHERE job_id = @id AND epoch = 2", job.Id);
            Assert.Equal(lastEpoch, final.GetProperty("t2i_r1").GetDouble(), 1e-9);
            Assert.True(final.GetProperty("t2i_r1").GetDouble() <= final.GetProperty("t2i_r5").GetDouble() && final.GetProperty("t2i_r5").GetDouble() <= final.GetProperty("t2i_r10").GetDouble(), final.ToString());
            Assert.InRange(final.GetProperty("t2i_r10").GetDouble(), 0, 1);
            Assert.Equal(2, final.GetProperty("epochs_completed").GetDouble());
            Assert.Equal(0, final.GetProperty("resumed").GetDouble());
        }

        Assert.All(bed.Workers, w => Assert.Contains(": finished", w.Log, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_leased_job_reaches_its_trainer_exactly_as_stored()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        var worker = bed.StartWorker("w");
        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("handover", seeds: 1, epochs: 1));
        await bed.WaitForSweepEndAsync(sweep, SweepTimeout);

        var job = (await bed.JobsAsync(sweep)).Single();
        Assert.True(job.State == StoredJobState.Succeeded, $"{job.State}: {job.Error}{Environment.NewLine}{bed.Logs}");
        var storedParameters = await bed.ScalarAsync<string>("SELECT params::text FROM jobs WHERE id = @id", job.Id);
        var storedDataset = await bed.ScalarAsync<string>("SELECT dataset::text FROM jobs WHERE id = @id", job.Id);
        var jobKey = await bed.ScalarAsync<string>("SELECT job_key FROM jobs WHERE id = @id", job.Id);
        using var handedOver = JsonDocument.Parse(File.ReadAllText(Path.Combine(bed.CheckpointRoot, $"sweep-{sweep}", $"job-{job.Id}", "leased-job.json")));
        var file = handedOver.RootElement;
        Assert.Equal(storedParameters, file.GetProperty("parameters").GetRawText());
        Assert.Equal(storedDataset, file.GetProperty("dataset").GetRawText());
        Assert.Equal(jobKey, file.GetProperty("job_key").GetString());
        // The trainer recomputed the key from those parameters and found the stored one.
        Assert.Contains($"leased job {job.Id} attempt 1 of sweep {sweep}: parameters match job key {jobKey}", worker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_killed_worker_s_job_is_resumed_from_its_checkpoint_by_another_worker()
    {
        await using var bed = await AgentTestBed.CreateAsync(leaseDuration: TimeSpan.FromSeconds(6));
        const int epochs = 4;
        var (jobId, job) = await KillAfterEpochTwoAndFinishElsewhereAsync(bed, "killed", epochs);
        Assert.True(job.State == StoredJobState.Succeeded, $"{job.State}: {job.Error}{Environment.NewLine}{bed.Logs}");
        Assert.Equal(2, job.Attempt);
        using var result = JsonDocument.Parse(job.Result!);
        Assert.Equal(1, result.RootElement.GetProperty("resumed").GetDouble());
        Assert.Equal(epochs, result.RootElement.GetProperty("epochs_completed").GetDouble());
        Assert.Equal(Enumerable.Range(1, epochs), await bed.EpochsReportedAsync(jobId));
        Assert.Equal(1L, await bed.ScalarAsync<long>("SELECT count(*) FROM job_events WHERE job_id = @id AND state = 'succeeded'", jobId));
    }

    [Fact]
    public async Task A_resumed_job_s_history_has_every_epoch_once_with_the_attempt_that_produced_it()
    {
        await using var bed = await AgentTestBed.CreateAsync(leaseDuration: TimeSpan.FromSeconds(6));
        var (jobId, job) = await KillAfterEpochTwoAndFinishElsewhereAsync(bed, "history", epochs: 5);
        Assert.True(job.State == StoredJobState.Succeeded, $"{job.State}: {job.Error}{Environment.NewLine}{bed.Logs}");
        // The rescuer's trainer resumed after epoch 2 and appended to the same metrics.jsonl: epochs 1 and 2 stay attempt 1's.
        Assert.Equal([(1, 1), (2, 1), (3, 2), (4, 2), (5, 2)], await bed.EpochHistoryAsync(jobId));
        Assert.Equal(1L, await bed.ScalarAsync<long>("SELECT count(*) FROM job_events WHERE job_id = @id AND state = 'succeeded'", jobId));
    }

    [Fact]
    public async Task Epochs_a_killed_agent_never_relayed_are_sent_by_the_agent_that_resumes_the_job()
    {
        await using var bed = await AgentTestBed.CreateAsync(leaseDuration: TimeSpan.FromSeconds(6));
        // This agent reads its trainer's metrics file only every ten minutes: it dies with epochs 1 and 2 written there but never sent.
        var silent = new Dictionary<string, string>(bed.HoldTrainersAfterEpoch(2)) { ["ORCH_AGENT__METRICSPOLLINTERVAL"] = "00:10:00" };
        var doomed = bed.StartWorker("doomed", environment: silent);
        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("unsent", seeds: 1, epochs: 5));
        var jobId = (await bed.JobsAsync(sweep)).Single().Id;
        await bed.WaitForHeldTrainersAsync(1, SweepTimeout);
        Assert.Empty(await bed.EpochsReportedAsync(jobId));

        doomed.KillHard();
        bed.StartWorker("rescuer");
        await bed.WaitForSweepEndAsync(sweep, SweepTimeout);

        var job = (await bed.JobsAsync(sweep)).Single();
        Assert.True(job.State == StoredJobState.Succeeded, $"{job.State}: {job.Error}{Environment.NewLine}{bed.Logs}");
        // Epochs 1 and 2 reach the coordinator only through attempt 2's agent, which says attempt 1 produced them.
        Assert.Equal([(1, 1), (2, 1), (3, 2), (4, 2), (5, 2)], await bed.EpochHistoryAsync(jobId));
    }

    [Fact]
    public async Task Jobs_finishing_while_the_coordinator_is_down_are_delivered_once_it_is_back()
    {
        await using var bed = await AgentTestBed.CreateAsync(leaseDuration: TimeSpan.FromSeconds(30));
        bed.StartWorker("steady", slots: 2, environment: bed.HoldTrainersAfterEpoch(1));
        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("outage", seeds: 2, epochs: 2));
        // Both trainers held after epoch 1: neither can finish before the coordinator is gone.
        await bed.WaitForHeldTrainersAsync(2, SweepTimeout);

        await bed.StopCoordinatorAsync();
        bed.ReleaseTrainers();
        await bed.WaitUntilAsync("both trainers done while the coordinator is away",
            () => Task.FromResult(Directory.EnumerateFiles(bed.Root, "result.json", SearchOption.AllDirectories).Count() == 2), SweepTimeout);
        await Task.Delay(TimeSpan.FromSeconds(3)); // several heartbeat intervals without a coordinator
        await bed.StartCoordinatorAsync();
        await bed.WaitForSweepEndAsync(sweep, SweepTimeout);

        var jobs = await bed.JobsAsync(sweep);
        Assert.All(jobs, j => Assert.True(j.State == StoredJobState.Succeeded && j.Attempt == 1, $"job {j.Id}: {j.State} attempt {j.Attempt} {j.Error}{Environment.NewLine}{bed.Logs}"));
        foreach (var job in jobs)
        {
            Assert.Equal(1L, await bed.ScalarAsync<long>("SELECT count(*) FROM job_events WHERE job_id = @id AND state = 'succeeded'", job.Id));
        }

        Assert.Empty(Directory.EnumerateFiles(bed.Root, "job-*-attempt-*.json", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_crashing_trainer_is_retried_and_succeeds_on_the_next_attempt()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        var marker = Path.Combine(bed.Root, "crashed-once");
        bed.StartWorker("crashy", environment: new Dictionary<string, string> { [EnvironmentVariables.TrainerCrashOnce] = marker });

        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("crash", seeds: 1, epochs: 1));
        await bed.WaitForSweepEndAsync(sweep, SweepTimeout);

        var job = (await bed.JobsAsync(sweep)).Single();
        Assert.True(File.Exists(marker), "the first attempt crashed through the test hook");
        Assert.True(job.State == StoredJobState.Succeeded, $"{job.State}: {job.Error}{Environment.NewLine}{bed.Logs}");
        Assert.Equal(2, job.Attempt);
    }

    [Fact]
    public async Task A_job_whose_dataset_does_not_exist_fails_permanently_after_one_attempt()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        bed.StartWorker("w");
        var missing = Path.Combine(bed.Root, "no-such-dataset");
        var spec = AgentTestBed.Spec("missing-data", seeds: 1, epochs: 1,
            dataset: $"{{format: captions-csv, images: {missing}/images, captions: {missing}/captions.txt}}");

        var sweep = await bed.SubmitAsync(spec);
        await bed.WaitForSweepEndAsync(sweep, SweepTimeout);

        var job = (await bed.JobsAsync(sweep)).Single();
        Assert.Equal(StoredJobState.Failed, job.State);
        Assert.Equal(1, job.Attempt);
        Assert.Contains(missing, job.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relative_dataset_paths_are_looked_up_under_the_worker_s_data_root()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        var dataRoot = Path.Combine(bed.Root, "datasets");
        bed.StartWorker("w", environment: new Dictionary<string, string> { ["ORCH_AGENT__DATAROOT"] = dataRoot });
        var spec = AgentTestBed.Spec("relative-data", seeds: 1, epochs: 1,
            dataset: "{format: captions-csv, images: flickr8k/images, captions: flickr8k/captions.txt}");

        var sweep = await bed.SubmitAsync(spec);
        await bed.WaitForSweepEndAsync(sweep, SweepTimeout);

        // Nothing is there: the trainer took the path under the data root and says so.
        var job = (await bed.JobsAsync(sweep)).Single();
        Assert.Equal(StoredJobState.Failed, job.State);
        Assert.Contains(Path.Combine(dataRoot, "flickr8k"), job.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_running_sweep_stops_the_trainer_and_the_job_ends_cancelled()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        bed.StartWorker("w", environment: bed.HoldTrainersAfterEpoch(1));
        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("cancel", seeds: 1, epochs: 3));
        var jobId = (await bed.JobsAsync(sweep)).Single().Id;
        // Held after epoch 1 and never released: only the cancel can end this trainer.
        await bed.WaitForHeldTrainersAsync(1, SweepTimeout);
        await bed.WaitUntilAsync("epoch 1 reported", async () => (await bed.EpochsReportedAsync(jobId)).Count == 1, SweepTimeout);

        await bed.Sweeps.CancelSweepAsync(new CancelSweepRequest { SweepId = sweep });
        await bed.WaitUntilAsync("the job to end cancelled", async () => (await bed.JobsAsync(sweep)).Single().State == StoredJobState.Cancelled, TimeSpan.FromSeconds(20));

        Assert.Equal([1], await bed.EpochsReportedAsync(jobId));
        Assert.Empty(Directory.EnumerateFiles(bed.CheckpointRoot, "result.json", SearchOption.AllDirectories));
        Assert.Contains("cancel requested, stopping the trainer", bed.Logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_stopped_with_SIGTERM_gives_its_job_back_and_exits_zero()
    {
        await using var bed = await AgentTestBed.CreateAsync();
        var leaving = bed.StartWorker("leaving", environment: bed.HoldTrainersAfterEpoch(1));
        var sweep = await bed.SubmitAsync(AgentTestBed.Spec("drain", seeds: 1, epochs: 3));
        var jobId = (await bed.JobsAsync(sweep)).Single().Id;
        // Held after epoch 1: the signal lands on a running job with one epoch checkpointed, whatever the machine's speed.
        await bed.WaitForHeldTrainersAsync(1, SweepTimeout);

        leaving.Terminate();
        Assert.True(await leaving.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the worker exits within its grace period" + Environment.NewLine + leaving.Log);
        Assert.Equal(0, leaving.ExitCode);
        var released = (await bed.JobsAsync(sweep)).Single();
        Assert.Equal(StoredJobState.Queued, released.State);
        Assert.Equal(2, released.Attempt);
        Assert.Equal(4, released.MaxAttempts); // the released attempt is not counted against the job

        bed.StartWorker("staying");
        await bed.WaitForSweepEndAsync(sweep, SweepTimeout);
        var job = (await bed.JobsAsync(sweep)).Single();
        Assert.True(job.State == StoredJobState.Succeeded, $"{job.State}: {job.Error}{Environment.NewLine}{bed.Logs}");
        using var result = JsonDocument.Parse(job.Result!);
        Assert.Equal(1, result.RootElement.GetProperty("resumed").GetDouble());
        Assert.Equal([1, 2, 3], await bed.EpochsReportedAsync(jobId));
    }

    /// <summary>
    /// One job's agent killed outright once two epochs are reported, then a second agent finishes it. The trainer is
    /// held after epoch 2, so the kill lands with two epochs checkpointed and reported whatever the machine's speed.
    /// </summary>
    private static async Task<(long JobId, (long Id, StoredJobState State, int Attempt, int MaxAttempts, string? Error, string? Result) Job)> KillAfterEpochTwoAndFinishElsewhereAsync(AgentTestBed bed, string name, int epochs)
    {
        var doomed = bed.StartWorker("doomed", environment: bed.HoldTrainersAfterEpoch(2));
        var sweep = await bed.SubmitAsync(AgentTestBed.Spec(name, seeds: 1, epochs: epochs));
        var jobId = (await bed.JobsAsync(sweep)).Single().Id;
        await bed.WaitForHeldTrainersAsync(1, SweepTimeout);
        await bed.WaitUntilAsync("two epochs reported", async () => (await bed.EpochsReportedAsync(jobId)).Count == 2, SweepTimeout);

        doomed.KillHard();
        bed.StartWorker("rescuer");
        await bed.WaitForSweepEndAsync(sweep, SweepTimeout);
        return (jobId, (await bed.JobsAsync(sweep)).Single());
    }
}

/// <summary>End-to-end tests run one at a time: each starts several processes that would fight for 2 cores.</summary>
[CollectionDefinition(nameof(EndToEnd), DisableParallelization = true)]
public sealed class EndToEnd;
