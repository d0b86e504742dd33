using System.Net;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.Coordinator.Web;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Web;

/// <summary>The estimated finish of active sweeps: the arithmetic, and the figures the pages show from stored job events under a fake clock.</summary>
public sealed class FinishEstimateTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    private static readonly DateTime Now = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(600, 4, 2, 6, "2026-01-01T12:30:00")] // 6 left, 2 at a time, 10 min each: 3 rounds
    [InlineData(90, 0, 3, 3, "2026-01-01T12:01:30")] // the last three running: one job's time
    [InlineData(60, 10, 1, 11, "2026-01-01T12:11:00")]
    public void The_jobs_left_times_the_median_job_over_the_jobs_running_now_from_now(int medianSeconds, int queued, int running, int left, string at)
    {
        var estimate = FinishEstimate.From(Now, new SweepPace(TimeSpan.FromSeconds(medianSeconds), Samples: 7), queued, running);

        Assert.NotNull(estimate);
        Assert.Equal(DateTime.Parse(at, System.Globalization.CultureInfo.InvariantCulture), estimate.At);
        Assert.Equal(left, estimate.Left);
        Assert.Equal(running, estimate.Running);
        Assert.Equal(7, estimate.Samples);
    }

    [Fact]
    public void Without_a_finished_job_or_with_nothing_running_there_is_nothing_to_estimate_from()
    {
        Assert.Null(FinishEstimate.From(Now, pace: null, queued: 5, running: 2));
        Assert.Null(FinishEstimate.From(Now, new SweepPace(TimeSpan.FromMinutes(3), Samples: 0), queued: 5, running: 2));
        Assert.Null(FinishEstimate.From(Now, new SweepPace(TimeSpan.FromMinutes(3), Samples: 4), queued: 5, running: 0));
    }

    [Theory]
    [InlineData(0, "now")]
    [InlineData(45, "in 45 s")]
    [InlineData(-340, "5 min 40 s ago")]
    [InlineData(1800, "in 30 min")]
    [InlineData(3900, "in 1 h 5 min")]
    [InlineData(-((2 * 86400) + (3 * 3600)), "2 d 3 h ago")]
    public void Times_relative_to_now_are_in_their_two_largest_whole_units(int seconds, string text) =>
        Assert.Equal(text, RelativeTime.Text(Now.AddSeconds(seconds), Now));

    [Fact]
    public async Task The_pages_show_the_estimate_from_the_median_lease_to_completion_time_and_a_dash_without_one()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Now));
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString, time: clock);
        var estimated = await host.SeedSweepAsync(6, name: "estimated");
        var unfinished = await host.SeedSweepAsync(3, name: "nothing-finished-yet");
        var worker = await host.Workers().RegisterAsync("gpu-1");
        var leased = await StoredTransitions.LeaseAsync(database.ConnectionString, estimated, worker, 4);
        await StoredTransitions.EndAsync(database.ConnectionString, leased[..2], succeeded: true);
        await StoredTransitions.LeaseAsync(database.ConnectionString, unfinished, worker, 1);
        // Two finished in 10 and 20 minutes: median 15 min. Left: 2 queued + 2 running, 2 at a time: 30 min from now.
        foreach (var (job, minutes) in new[] { (leased[0], 10), (leased[1], 20) })
        {
            await StoredTransitions.SetEventTimeAsync(database.ConnectionString, job, "running", Now.AddHours(-1));
            await StoredTransitions.SetEventTimeAsync(database.ConnectionString, job, "succeeded", Now.AddHours(-1).AddMinutes(minutes));
        }

        using var browser = new DashboardClient(host);
        await browser.LoginAsync(TestCoordinator.ClientToken);
        var (list, listPage) = await browser.GetAsync("/");
        var (_, estimatedPage) = await browser.GetAsync($"/sweeps/{estimated}");
        var (_, unfinishedPage) = await browser.GetAsync($"/sweeps/{unfinished}");

        const string eta = "<time datetime=\"2026-01-01T12:30:00Z\" title=\"2026-01-01 12:30:00 UTC\">in 30 min</time>";
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains($"<td class=\"eta\">{eta}</td>", listPage, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(listPage, "<td class=\"eta\">–</td>")); // the sweep with nothing finished
        Assert.Contains($"Estimated finish: {eta} (2026-01-01 12:30:00 UTC)", estimatedPage, StringComparison.Ordinal);
        Assert.Contains("4 job(s) left, 2 running, a job takes 15 min (median of 2 finished)", estimatedPage, StringComparison.Ordinal);
        Assert.Contains("Estimated finish: – ", unfinishedPage, StringComparison.Ordinal);
    }
}
