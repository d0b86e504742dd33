using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Scheduling;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// A coordinator on a fake clock, its Quartz jobs off and its database emptied: the tests move its time by hand and
/// run the rescuer directly, so leases expire exactly when they say. The lease-expiry and retry tests build on it.
/// </summary>
public abstract class FakeClockCoordinatorTests(IsolatedDatabase database, IReadOnlyDictionary<string, string?>? settings = null)
    : IClassFixture<IsolatedDatabase>, IAsyncLifetime
{
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    protected FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected CoordinatorHost Host { get; private set; } = null!;

    protected WorkerService.WorkerServiceClient Workers { get; private set; } = null!;

    protected SweepService.SweepServiceClient Sweeps { get; private set; } = null!;

    protected string ConnectionString => database.ConnectionString;

    public async Task InitializeAsync()
    {
        var all = new Dictionary<string, string?> { ["Coordinator:Queue:LeaseDuration"] = Lease.ToString() };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        Host = await TestCoordinator.StartAsync(database.ConnectionString, all, Clock);
        await TestCoordinator.ClearAsync(database.ConnectionString);
        Workers = Host.Workers();
        Sweeps = Host.Sweeps();
    }

    public Task DisposeAsync() => Host.DisposeAsync().AsTask();

    protected LeaseRescuer Rescuer() => Host.Services.GetRequiredService<LeaseRescuer>();
}
