using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Hosting;

namespace Orchestrator.Coordinator.Tests.Hosting;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Default_queue_and_scheduler_options_are_valid()
    {
        Assert.True(new QueueOptionsValidator().Validate(null, new QueueOptions()).Succeeded);
        Assert.True(new SchedulerOptionsValidator().Validate(null, new SchedulerOptions()).Succeeded);
    }

    [Fact]
    public void Every_impossible_queue_timing_is_named()
    {
        var result = new QueueOptionsValidator().Validate(null, new QueueOptions
        {
            LeaseDuration = TimeSpan.FromSeconds(10),
            HeartbeatInterval = TimeSpan.FromSeconds(30),
            SafetyRecheckInterval = TimeSpan.Zero,
            RetryBackoffBase = TimeSpan.FromMinutes(5), // zero would be allowed: retry at once
            RetryBackoffMax = TimeSpan.FromMinutes(1),
            MissedHeartbeatsBeforeOffline = 0,
            MaxJobsPerSweep = -1,
        });
        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Equal(5, failures.Count);
        Assert.Contains(failures, f => f.Contains("HeartbeatInterval", StringComparison.Ordinal) && f.Contains("LeaseDuration", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Coordinator:Queue:SafetyRecheckInterval", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Coordinator:Queue:RetryBackoffMax", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Coordinator:Queue:MissedHeartbeatsBeforeOffline", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Coordinator:Queue:MaxJobsPerSweep", StringComparison.Ordinal));
    }

    [Fact]
    public void A_zero_scheduler_interval_is_refused()
    {
        var result = new SchedulerOptionsValidator().Validate(null, new SchedulerOptions { WorkerLivenessInterval = TimeSpan.Zero });
        Assert.Equal(["Coordinator:Scheduler:WorkerLivenessInterval must be a positive duration (hh:mm:ss), not 00:00:00"], result.Failures);
    }

    [Fact]
    public async Task The_host_refuses_to_start_with_invalid_options_before_touching_the_database()
    {
        var started = CoordinatorHost.StartAsync(new Dictionary<string, string?>
        {
            // Nothing listens there: reaching the database would fail differently (and slowly).
            ["ConnectionStrings:Orchestrator"] = "Host=127.0.0.1;Port=1;Username=nobody;Password=x;Database=none;Timeout=1",
            ["Coordinator:Auth:WorkerToken"] = "w",
            ["Coordinator:Auth:ClientToken"] = "c",
            ["Coordinator:Queue:LeaseDuration"] = "00:00:05",
            ["Coordinator:Queue:HeartbeatInterval"] = "00:00:15",
        });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => started);
        Assert.Contains("HeartbeatInterval", error.Message, StringComparison.Ordinal);
    }
}
