using System.Net;
using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Web;

/// <summary>The workers page: devices, slots, the jobs each runs with links to their sweeps, last heartbeat, and the coordinator's liveness rule.</summary>
public sealed class WorkersPageTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    [Fact]
    public async Task Each_worker_shows_its_devices_slots_running_jobs_with_sweep_links_heartbeat_and_whether_it_is_online()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var sweepId = await host.SeedSweepAsync(3);
        var busy = (await host.Workers().RegisterWorkerAsync(new RegisterWorkerRequest
        {
            Name = "gpu-box-2", Host = "node-7", Version = "test",
            Devices = { new Device { Name = "cuda:0", Kind = "NVIDIA H200", MemoryBytes = 150_323_855_360 }, new Device { Name = "cuda:1", Kind = "NVIDIA H200", MemoryBytes = 150_323_855_360 } },
        })).WorkerId;
        var silent = await host.Workers().RegisterAsync("gone-quiet");
        var jobs = await StoredTransitions.LeaseAsync(database.ConnectionString, sweepId, busy, 2);
        // Silent for an hour but not yet marked by the liveness job (the scheduler is off in tests): the page applies the rule itself.
        await TestCoordinator.QueryAsync<string>(database.ConnectionString, "UPDATE workers SET last_seen_at = now() - interval '1 hour' WHERE id = @id RETURNING id", new { id = silent });
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(TestCoordinator.ClientToken);

        var (response, page) = await browser.GetAsync("/workers");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(
            $"<td>gpu-box-2</td><td class=\"wide\">node-7</td><td>cuda:0 (NVIDIA H200, 140 GiB), cuda:1 (NVIDIA H200, 140 GiB)</td><td class=\"num\">2</td>" +
            $"<td><a href=\"/sweeps/{sweepId}?state=running\">#{jobs[0]} #{jobs[1]} (sweep {sweepId})</a></td>",
            page, StringComparison.Ordinal);
        Assert.Matches(@"<td>gpu-box-2</td>.*?<td><time datetime=""[0-9TZ:-]+"" title=""[0-9 :-]+UTC"">(now|\d+ s ago)</time><br><span class=""muted"">[0-9 :-]+UTC</span></td><td class=""state-online"">online</td>", page);
        Assert.Matches(@"<td>gone-quiet</td><td class=""wide"">test</td><td>–</td><td class=""num"">0</td><td>–</td><td><time [^>]*>(1 h|59 min \d+ s) ago</time>.*?</td><td class=""state-offline"">offline</td>", page);
    }
}
