using Grpc.Core;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// A job's history holds each epoch once: an epoch reported again, by the same attempt or by a later one after a
/// resume, replaces the earlier row with the newest values and the attempt that produced them; a resumed attempt
/// may relay its predecessor's epochs under their own attempt, never a later one's.
/// </summary>
public sealed class EpochHistoryTests(IsolatedDatabase database) : FakeClockCoordinatorTests(database)
{
    [Fact]
    public async Task An_epoch_reported_twice_and_again_by_the_next_attempt_is_stored_once_with_the_newest_values()
    {
        await Host.SeedSweepAsync(1, maxAttempts: 3);
        var worker = await Workers.RegisterAsync();
        var first = (await Workers.LeaseNowAsync(worker))!;
        await ReportAsync(first.Token(worker), epoch: 1, trainLoss: 4.0);
        await ReportAsync(first.Token(worker), epoch: 2, trainLoss: 3.0);
        await ReportAsync(first.Token(worker), epoch: 2, trainLoss: 2.9); // the same attempt again (a re-sent report)
        await Workers.FailJobAsync(new FailJobRequest { Lease = first.Token(worker), Error = "killed", Retryable = true });
        Clock.Advance(TimeSpan.FromMinutes(5));
        var second = (await Workers.LeaseNowAsync(worker))!;
        await ReportAsync(second.Token(worker), epoch: 2, trainLoss: 2.5); // re-run after a resume from epoch 1
        await ReportAsync(second.Token(worker), epoch: 3, trainLoss: 2.0);

        var rows = await TestCoordinator.QueryAsync<(int Epoch, int Attempt, double TrainLoss)>(ConnectionString,
            "SELECT epoch, attempt, (metrics->>'train_loss')::float8 FROM job_metrics WHERE job_id = @id ORDER BY epoch", new { id = first.JobId });
        var detail = await Sweeps.GetJobAsync(new GetJobRequest { JobId = first.JobId });

        Assert.Equal(2, second.Attempt);
        Assert.Equal([(1, 1, 4.0), (2, 2, 2.5), (3, 2, 2.0)], rows);
        Assert.Equal([1, 2, 3], detail.Progress.Select(p => p.Epoch));
        Assert.Equal([1, 2, 2], detail.Progress.Select(p => p.Attempt));
        Assert.Equal(0, detail.ProgressOmitted);
    }

    [Fact]
    public async Task A_resumed_attempt_relays_its_predecessor_s_epochs_under_their_attempt_and_never_over_a_newer_one()
    {
        await Host.SeedSweepAsync(1, maxAttempts: 3);
        var worker = await Workers.RegisterAsync();
        var first = (await Workers.LeaseNowAsync(worker))!;
        await Workers.FailJobAsync(new FailJobRequest { Lease = first.Token(worker), Error = "killed before relaying", Retryable = true });
        Clock.Advance(TimeSpan.FromMinutes(5));
        var second = (await Workers.LeaseNowAsync(worker))!;
        await ReportAsync(second.Token(worker), epoch: 1, trainLoss: 4.0, producedBy: 1); // written by attempt 1, never sent
        await ReportAsync(second.Token(worker), epoch: 2, trainLoss: 2.5);
        await ReportAsync(second.Token(worker), epoch: 2, trainLoss: 3.0, producedBy: 1); // attempt 1's copy after attempt 2's
        var future = await TestCoordinator.CodeOfAsync(async () => await ReportAsync(second.Token(worker), epoch: 3, trainLoss: 1.0, producedBy: 3));

        var rows = await TestCoordinator.QueryAsync<(int Epoch, int Attempt, double TrainLoss)>(ConnectionString,
            "SELECT epoch, attempt, (metrics->>'train_loss')::float8 FROM job_metrics WHERE job_id = @id ORDER BY epoch", new { id = first.JobId });

        Assert.Equal(StatusCode.InvalidArgument, future);
        Assert.Equal([(1, 1, 4.0), (2, 2, 2.5)], rows);
    }

    private async Task ReportAsync(LeaseToken lease, int epoch, double trainLoss, int producedBy = 0)
    {
        var report = new ReportProgressRequest { Lease = lease, Epoch = epoch, Step = epoch * 10, ProducedByAttempt = producedBy };
        report.Metrics.Add("train_loss", trainLoss);
        await Workers.ReportProgressAsync(report);
    }
}
