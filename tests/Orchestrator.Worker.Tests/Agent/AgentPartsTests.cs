using Orchestrator.Worker.Agent;

namespace Orchestrator.Worker.Tests.Agent;

public sealed class AgentPartsTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("orch-agent-").FullName;

    [Fact]
    public void Outbox_entries_survive_a_new_agent_and_leave_when_removed()
    {
        var first = new ResultOutbox(directory);
        first.Put(new OutboxEntry { JobId = 7, Attempt = 2, WorkerId = "w1", Metrics = new() { ["t2i_r1"] = 0.25 } });
        first.Put(new OutboxEntry { JobId = 3, Attempt = 1, WorkerId = "w1", Error = "boom", Retryable = true });

        var restarted = new ResultOutbox(directory);
        var pending = restarted.Pending();

        Assert.Equal([3L, 7L], pending.Select(e => e.JobId));
        Assert.False(pending[0].IsSuccess);
        Assert.True(pending[0].Retryable);
        Assert.Equal(0.25, pending[1].Metrics!["t2i_r1"]);
        restarted.Remove(pending[0]);
        Assert.Equal([7L], new ResultOutbox(directory).Pending().Select(e => e.JobId));
    }

    [Theory]
    [InlineData(0, "", TrainerOutcome.Succeeded)]
    [InlineData(TrainerExitCode.InvalidJob, "", TrainerOutcome.PermanentFailure)]
    [InlineData(TrainerExitCode.DatasetUnusable, "", TrainerOutcome.PermanentFailure)]
    [InlineData(TrainerExitCode.Diverged, "", TrainerOutcome.PermanentFailure)]
    [InlineData(TrainerExitCode.DeviceError, "", TrainerOutcome.DeviceFailure)]
    [InlineData(134, "RuntimeError: CUDA out of memory. Tried to allocate", TrainerOutcome.DeviceFailure)]
    [InlineData(134, "Aborted (core dumped)", TrainerOutcome.RetryableFailure)]
    [InlineData(137, "", TrainerOutcome.RetryableFailure)]
    public void Exit_codes_separate_permanent_from_retryable_failures(int exitCode, string errors, TrainerOutcome expected) =>
        Assert.Equal(expected, TrainerExitClassifier.Classify(exitCode, errors));

    [Fact]
    public void Metrics_tail_returns_each_complete_line_once_and_waits_for_a_partial_one()
    {
        var path = Path.Combine(directory, "metrics.jsonl");
        var tail = new MetricsFileTail(path);
        Assert.Empty(tail.ReadNew());

        File.WriteAllText(path,
            "{\"kind\":\"step\",\"epoch\":1,\"step\":5,\"values\":{\"loss\":2.7}}\n" +
            "{\"kind\":\"epoch\",\"epoch\":1,\"step\":10,\"values\":{\"train_loss\":2.5,\"note\":\"x\"}}\n" +
            "{\"kind\":\"epoch\",\"epoch\":2,\"step\":20,\"values\":{\"train_");
        var first = tail.ReadNew();
        File.AppendAllText(path, "loss\":2.1}}\nnot json\n");
        var second = tail.ReadNew();

        var one = Assert.Single(first);
        Assert.Equal(1, one.Epoch);
        Assert.Equal(10, one.Step);
        Assert.Equal(new Dictionary<string, double> { ["train_loss"] = 2.5 }, one.Metrics);
        var two = Assert.Single(second);
        Assert.Equal(2, two.Epoch);
        Assert.Equal(2.1, two.Metrics["train_loss"]);
        Assert.Empty(tail.ReadNew());
    }

    [Fact]
    public void Slots_default_to_one_per_gpu_else_one_cpu_and_reject_unknown_devices()
    {
        Assert.Equal(["cuda:0", "cuda:1"], SlotPlan.From(new AgentOptions(), [80L << 30, 80L << 30]).Select(s => s.Device));
        Assert.Equal(["cpu"], SlotPlan.From(new AgentOptions(), []).Select(s => s.Device));
        Assert.Equal(3, SlotPlan.From(new AgentOptions { Slots = 3 }, []).Count);
        var pinned = SlotPlan.From(new AgentOptions { Devices = "cuda:1" }, [1, 2]);
        Assert.Equal("1", Assert.Single(pinned).VisibleDevice);

        Assert.Contains("may use 1 GPU", Assert.Throws<ArgumentException>(() => SlotPlan.From(new AgentOptions { Devices = "cuda:3" }, [1])).Message, StringComparison.Ordinal);
        Assert.Contains("unknown device 'tpu'", Assert.Throws<ArgumentException>(() => SlotPlan.From(new AgentOptions { Devices = "tpu" }, [])).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3", new[] { "3" }, new[] { 30L })]           // Slurm without device cgroups: one GPU of the node's eight
    [InlineData("0", new[] { "0" }, new[] { 0L })]            // the allocation numbered from zero (device cgroups)
    [InlineData("5,2", new[] { "5", "2" }, new[] { 50L, 20L })]
    [InlineData("GPU-8f1e", new[] { "GPU-8f1e" }, new[] { 0L })] // a UUID: its memory is not looked up
    [InlineData("NoDevFiles", new string[0], new long[0])]    // Slurm: no GPU allocated
    [InlineData("", new string[0], new long[0])]
    public void A_scheduler_s_CUDA_VISIBLE_DEVICES_narrows_the_slots_and_pins_each_child_to_its_entry(string inherited, string[] visible, long[] memory)
    {
        long[] eightGpus = [0, 10, 20, 30, 40, 50, 60, 70];

        var slots = SlotPlan.From(new AgentOptions(), eightGpus, inherited);

        Assert.Equal(visible, slots.Where(s => s.IsCuda).Select(s => s.VisibleDevice!));
        Assert.Equal(memory, slots.Where(s => s.IsCuda).Select(s => s.MemoryBytes));
        Assert.Equal(Enumerable.Range(0, visible.Length).Select(i => $"cuda:{i}"), slots.Where(s => s.IsCuda).Select(s => s.Device));
        Assert.Equal(visible.Length == 0 ? ["cpu"] : [], slots.Where(s => !s.IsCuda).Select(s => s.Device));
    }

    [Fact]
    public void Devices_named_on_the_command_line_count_within_the_scheduler_s_allocation()
    {
        var pinned = SlotPlan.From(new AgentOptions { Devices = "cuda:1" }, [0, 10, 20, 30], "3,1");

        Assert.Equal("1", Assert.Single(pinned).VisibleDevice);
        Assert.Equal(10, pinned[0].MemoryBytes);
        Assert.Throws<ArgumentException>(() => SlotPlan.From(new AgentOptions { Devices = "cuda:2" }, [0, 10, 20, 30], "3,1"));
    }

    [Fact]
    public void Trainer_child_gets_the_agent_s_weights_directory()
    {
        var launch = new TrainerLauncher(new AgentOptions { WeightsDirectory = "/srv/weights" }).For(new Slot(0, "cpu", 0), directory, resume: false);

        var flag = launch.Arguments.ToList().IndexOf("--weights-dir");
        Assert.True(flag >= 0, string.Join(' ', launch.Arguments));
        Assert.Equal("/srv/weights", launch.Arguments[flag + 1]);
    }

    [Theory]
    [InlineData(1, 2, 2)]
    [InlineData(2, 2, 1)]
    [InlineData(3, 2, 1)]
    [InlineData(4, 16, 4)]
    [InlineData(3, 16, 5)]
    public void Cpu_slots_share_the_machine_s_cores_between_their_trainers(int slots, int cores, int threadsEach)
    {
        var plan = SlotPlan.From(new AgentOptions { Slots = slots }, [], null, cores);

        Assert.Equal(slots, plan.Count);
        Assert.All(plan, slot => Assert.Equal(threadsEach, slot.Threads));
    }

    [Fact]
    public void Threads_per_slot_set_for_the_agent_override_the_share()
    {
        var plan = SlotPlan.From(new AgentOptions { Slots = 2, ThreadsPerSlot = 3 }, [], null, 2);

        Assert.All(plan, slot => Assert.Equal(3, slot.Threads));
    }

    [Fact]
    public void Gpu_slots_share_the_cores_too_and_the_trainer_is_told_its_share()
    {
        var plan = SlotPlan.From(new AgentOptions(), [10, 20, 30, 40], null, 64);
        Assert.All(plan, slot => Assert.Equal(16, slot.Threads));

        var launch = new TrainerLauncher(new AgentOptions { WeightsDirectory = "/srv/weights" }).For(plan[2], directory, resume: false);
        var flag = launch.Arguments.ToList().IndexOf("--threads");
        Assert.True(flag >= 0, string.Join(' ', launch.Arguments));
        Assert.Equal("16", launch.Arguments[flag + 1]);
    }

    [Fact]
    public void Backoff_ceiling_doubles_from_250_ms_up_to_the_cap()
    {
        var cap = TimeSpan.FromSeconds(30);

        var ceilings = Enumerable.Range(0, 10).Select(failures => CoordinatorConnection.BackoffCeiling(failures, cap).TotalMilliseconds);

        Assert.Equal([250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000], ceilings);
        Assert.Equal(cap, CoordinatorConnection.BackoffCeiling(1000, cap));
    }

    [Fact]
    public void Backoff_delays_spread_over_their_whole_range_so_agents_do_not_retry_in_step()
    {
        var cap = TimeSpan.FromSeconds(30);
        var ceiling = CoordinatorConnection.BackoffCeiling(3, cap);

        var delays = Enumerable.Range(0, 200).Select(_ => CoordinatorConnection.BackoffDelay(3, cap)).ToList();

        // Full jitter: uniform below the ceiling. 200 draws all in one half of it would happen once in 2^199 runs.
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, ceiling));
        Assert.Contains(delays, d => d < ceiling / 2);
        Assert.Contains(delays, d => d > ceiling / 2);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
