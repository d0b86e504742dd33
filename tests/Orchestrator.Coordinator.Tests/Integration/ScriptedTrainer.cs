using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Protos;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>What one scripted ASHA study left: its sweep, its job ids in lease order, and the epoch each stopped job stopped at (by lease index).</summary>
internal sealed record ScriptedAshaRun(long SweepId, IReadOnlyList<long> JobIds, IReadOnlyDictionary<int, int> StoppedAt);

/// <summary>
/// A scripted trainer: simulated workers that lease over gRPC and report given val_loss curves, so early stopping is
/// judged on known numbers. Holds the ASHA study (eta 3, 27 configurations, 9 epochs), whose expected stops
/// <see cref="EarlyStoppingTests"/> works out by hand.
/// </summary>
internal static class ScriptedTrainer
{
    public const string AshaSpec = "name: asha-27\n" + Study + "early_stopping: {type: asha, grace: 1, eta: 3, max_epochs: 9}\n";

    /// <summary>The same study under Hyperband with ASHA's numbers (seed 0): brackets starting at epochs 1, 3 and 9.</summary>
    public const string HyperbandSpec = "name: hyperband-27\n" + Study + "early_stopping: {type: hyperband, grace: 1, eta: 3, max_epochs: 9}\n";

    // 9 head learning rates x 3 temperatures, 9 epochs: the grid both rules judge.
    private const string Study = """
        dataset: {format: synthetic}
        encoders: [resnet18]
        parameters:
          epochs: 9
          head_lr: [1e-4, 2e-4, 3e-4, 4e-4, 5e-4, 6e-4, 7e-4, 8e-4, 9e-4]
          temperature: [0.5, 1.0, 2.0]

        """;

    /// <summary>
    /// Job <paramref name="i"/>'s (in lease order) val_loss at epochs 1–9: every third job (0, 3, …, 24) better at
    /// epoch 1 than all before it, the others worse; of those, every third (0, 9, 18) the best so far at epoch 3, the
    /// others the worst; 0, 9 and 18 end at 2.0, 1.5 and 1.0.
    /// </summary>
    public static double[] AshaCurve(int i)
    {
        var atOne = i % 3 == 0 ? 5.0 - (0.1 * (i / 3)) : 10.0 + i;
        var survivor = i / 3;
        var atThree = i % 3 != 0 ? atOne : survivor % 3 == 0 ? 3.0 - (0.1 * (survivor / 3)) : 20.0 + survivor;
        var final = i switch { 0 => 2.0, 9 => 1.5, 18 => 1.0, _ => atThree };
        return [atOne, (atOne + atThree) / 2, atThree, .. Enumerable.Range(1, 6).Select(k => atThree + ((final - atThree) * k / 6))];
    }

    /// <summary>
    /// The ASHA study on one worker: all 27 jobs leased, then reports rung by rung (every running job's epoch 1 in
    /// lease order, then epoch 2, …), and the jobs left running completed with their last value.
    /// </summary>
    public static Task<ScriptedAshaRun> RunAshaAsync(CoordinatorHost host) => RunAsync(host, AshaSpec);

    /// <summary>A 27-job, 9-epoch study of <paramref name="spec"/> (<see cref="AshaSpec"/>'s grid) reported as <see cref="RunAshaAsync"/> reports it.</summary>
    public static async Task<ScriptedAshaRun> RunAsync(CoordinatorHost host, string spec)
    {
        var sweepId = await SubmitAsync(host, spec);
        var workers = host.Workers();
        var worker = await workers.RegisterAsync();
        var leases = new List<LeasedJob>();
        for (var i = 0; i < 27; i++)
        {
            leases.Add((await workers.LeaseNowAsync(worker))!);
        }

        var stoppedAt = new Dictionary<int, int>();
        for (var epoch = 1; epoch <= 9; epoch++)
        {
            for (var i = 0; i < 27; i++)
            {
                if (!stoppedAt.ContainsKey(i) && (await ReportAsync(workers, leases[i].Token(worker), epoch, AshaCurve(i)[epoch - 1])).Stopped)
                {
                    stoppedAt[i] = epoch;
                }
            }
        }

        foreach (var i in Enumerable.Range(0, 27).Where(i => !stoppedAt.ContainsKey(i)))
        {
            await CompleteAsync(workers, leases[i].Token(worker), AshaCurve(i)[^1]);
        }

        return new ScriptedAshaRun(sweepId, [.. leases.Select(l => l.JobId)], stoppedAt);
    }

    /// <summary>What every scripted epoch says it took to train, so the time a study spent is known.</summary>
    public const double EpochSeconds = 60;

    public static async Task<long> SubmitAsync(CoordinatorHost coordinator, string yaml) =>
        (await coordinator.Services.GetRequiredService<SweepStore>().InsertAsync(SweepSpecParser.Parse(yaml), createNew: true)).SweepId;

    public static async Task<ReportProgressResponse> ReportAsync(WorkerService.WorkerServiceClient workers, LeaseToken lease, int epoch, double valLoss)
    {
        var report = new ReportProgressRequest { Lease = lease, Epoch = epoch, Step = epoch * 10 };
        report.Metrics.Add("val_loss", valLoss);
        report.Metrics.Add("train_time_s", EpochSeconds);
        return await workers.ReportProgressAsync(report);
    }

    public static async Task CompleteAsync(WorkerService.WorkerServiceClient workers, LeaseToken lease, double valLoss)
    {
        var complete = new CompleteJobRequest { Lease = lease };
        complete.Metrics.Add("val_loss", valLoss);
        await workers.CompleteJobAsync(complete);
    }
}
