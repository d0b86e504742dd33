using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// A worker may report progress as often as it likes; GetJob still answers within the limits with the newest
/// epochs (each stored once, with its newest report), and says how many earlier ones it left out, instead of
/// growing past a client's receive limit.
/// </summary>
public sealed class JobDetailLimitTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    [Fact]
    public async Task GetJob_returns_the_newest_reports_oldest_first_and_counts_the_rest()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString,
            new Dictionary<string, string?> { ["Coordinator:Limits:MaxProgressPointsInJobDetail"] = "4" });
        await host.SeedSweepAsync(1);
        var workers = host.Workers();
        var worker = await workers.RegisterAsync();
        var job = (await workers.LeaseNowAsync(worker))!;
        for (var i = 1; i <= 30; i++)
        {
            var report = new ReportProgressRequest { Lease = job.Token(worker), Epoch = (i % 10) + 1, Step = i };
            report.Metrics.Add("train_loss", 1.0 / i);
            await workers.ReportProgressAsync(report);
        }

        var detail = await host.Sweeps().GetJobAsync(new GetJobRequest { JobId = job.JobId });

        // Thirty reports of ten epochs: ten rows, the newest four epochs (7-10) with their last reports (steps 26-29).
        Assert.Equal([7, 8, 9, 10], detail.Progress.Select(p => p.Epoch));
        Assert.Equal(Enumerable.Range(26, 4).Select(i => (long)i), detail.Progress.Select(p => p.Step));
        Assert.Equal(6, detail.ProgressOmitted);
    }
}
