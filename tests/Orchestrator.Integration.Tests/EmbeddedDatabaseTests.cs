using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Orchestrator.LocalPostgres;
using Orchestrator.Protos;
using Xunit.Abstractions;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// `orch serve` on its embedded PostgreSQL, as a single-machine user runs it: it comes back after a crash that
/// left its database server running, and a second coordinator cannot take over a directory one already uses.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class EmbeddedDatabaseTests : IDisposable
{
    private static readonly TimeSpan FirstStart = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Restart = TimeSpan.FromSeconds(10);

    private readonly ITestOutputHelper output;
    private readonly string home;
    private readonly string dataDirectory;

    public EmbeddedDatabaseTests(ITestOutputHelper output)
    {
        this.output = output;
        home = Directory.CreateTempSubdirectory("orch-embedded-it-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            // As root the server runs as `postgres`, which must reach the data directory inside this folder.
            File.SetUnixFileMode(home, (UnixFileMode)Convert.ToInt32("755", 8));
        }

        dataDirectory = Path.Combine(home, "pg");
    }

    private IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Coordinator:Database:EmbeddedDataDirectory"] = dataDirectory,
        ["Coordinator:Auth:WorkerToken"] = AgentTestBed.WorkerToken,
        ["Coordinator:Auth:ClientToken"] = AgentTestBed.ClientToken,
    };

    [Fact]
    public async Task Orch_serve_killed_outright_starts_again_within_10_s_and_keeps_its_sweeps()
    {
        var firstAddress = FreeAddress();
        long sweep;
        await using (var crashed = CoordinatorProcess.Start("crashed", firstAddress, Settings, home))
        {
            await CoordinatorProcess.WaitUntilServingAsync(firstAddress, crashed, FirstStart);
            sweep = await SubmitAsync(firstAddress);

            // kill -9 of the coordinator alone: its PostgreSQL, started detached, lives on as an orphan.
            crashed.KillProcessOnly();
            Assert.True(await crashed.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }

        var orphan = PostmasterPid();
        Assert.True(orphan is not null && IsAlive(orphan.Value), "the killed coordinator's PostgreSQL is still running");

        var secondAddress = FreeAddress();
        var clock = Stopwatch.StartNew();
        await using var restarted = CoordinatorProcess.Start("restarted", secondAddress, Settings, home);
        await CoordinatorProcess.WaitUntilServingAsync(secondAddress, restarted, Restart);
        var startedIn = clock.Elapsed;
        output.WriteLine($"serving again {startedIn.TotalSeconds:F1} s after the start over the orphaned server");

        var kept = await WithSweepsAsync(secondAddress, async sweeps => await sweeps.GetSweepAsync(new GetSweepRequest { SweepId = sweep }, Headers()));
        Assert.Equal("before-the-crash", kept.Name);
        Assert.True(startedIn < Restart, $"serving again after {startedIn.TotalSeconds:F1} s{Environment.NewLine}{restarted.Log}");
        await StopAsync(restarted);
    }

    [Fact]
    public async Task A_second_orch_serve_on_the_same_data_directory_is_refused_and_the_first_keeps_serving()
    {
        var firstAddress = FreeAddress();
        await using var first = CoordinatorProcess.Start("first", firstAddress, Settings, home);
        await CoordinatorProcess.WaitUntilServingAsync(firstAddress, first, FirstStart);
        var postmaster = PostmasterPid();

        await using var second = CoordinatorProcess.Start("second", FreeAddress(), Settings, home);
        Assert.True(await second.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the second coordinator gives up at once" + Environment.NewLine + second.Log);

        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains(dataDirectory, second.Log, StringComparison.Ordinal);
        Assert.Contains($"pid {first.Id.ToString(CultureInfo.InvariantCulture)}", second.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", second.Log, StringComparison.Ordinal); // a message, not a stack trace
        Assert.Equal(postmaster, PostmasterPid());
        Assert.True(postmaster is not null && IsAlive(postmaster.Value), "the first coordinator's PostgreSQL was left alone");
        using var channel = GrpcChannel.ForAddress(firstAddress);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        await StopAsync(first);
    }

    public void Dispose()
    {
        // Whatever a failed test left running in the directory goes before the directory does.
        LocalPostgresCluster.ForceStop(dataDirectory);
        try
        {
            Directory.Delete(home, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static Uri FreeAddress() => new($"http://127.0.0.1:{LoopbackPort.PickFree()}");

    private static Metadata Headers() => new() { { "authorization", $"Bearer {AgentTestBed.ClientToken}" } };

    private static async Task<T> WithSweepsAsync<T>(Uri address, Func<SweepService.SweepServiceClient, Task<T>> call)
    {
        using var channel = GrpcChannel.ForAddress(address);
        return await call(new SweepService.SweepServiceClient(channel));
    }

    private static Task<long> SubmitAsync(Uri address) => WithSweepsAsync(address, async sweeps =>
    {
        var spec = AgentTestBed.Spec("before-the-crash", seeds: 2, epochs: 1);
        return (await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = spec, CreateNew = true }, Headers())).SweepId;
    });

    /// <summary>SIGTERM, so the coordinator stops its PostgreSQL as it does in normal operation.</summary>
    private static async Task StopAsync(LoggedProcess coordinator)
    {
        coordinator.Terminate();
        Assert.True(await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(60)), coordinator.Log);
    }

    private int? PostmasterPid()
    {
        var file = Path.Combine(dataDirectory, "postmaster.pid");
        return File.Exists(file) ? int.Parse(File.ReadLines(file).First(), CultureInfo.InvariantCulture) : null;
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}");
}
