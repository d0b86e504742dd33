using Grpc.Core;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// ListWorkers pages like ListJobs and ListSweeps: before it did, a few workers with huge names made the one
/// unpaged response exceed the client's message limit and `orch workers` broke for everyone.
/// </summary>
public sealed class ListWorkersPagingTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    [Fact]
    public async Task Pages_of_two_cover_seven_workers_once_each_in_registration_order()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var registered = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            registered.Add(await host.Workers().RegisterAsync($"w{i}"));
        }

        var (seen, pages) = await ListAllAsync(host, pageSize: 2, page => Assert.True(page.Workers.Count <= 2));

        Assert.Equal(registered, seen.Where(registered.Contains).ToList());
        Assert.Equal(seen.Count, seen.Distinct().Count());
        // The class's database may hold other tests' workers too: every one listed once, ours in order.
        Assert.Equal(seen.Count / 2 + 1, pages);
        Assert.Equal(seen.Count, (await host.Sweeps().ListWorkersAsync(new ListWorkersRequest())).Workers.Count);
    }

    [Fact]
    public async Task A_page_of_large_workers_stops_at_the_byte_budget_and_the_rest_follow()
    {
        const int budget = 64 * 1024;
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString,
            new Dictionary<string, string?> { ["Coordinator:Limits:MaxResponsePageBytes"] = budget.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var registered = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var request = new RegisterWorkerRequest { Name = $"w{i}-" + new string('n', 250), Host = new string('h', 256), Version = "1" };
            request.Devices.AddRange(Enumerable.Range(0, 64).Select(d => new Device { Name = $"cuda:{d}-" + new string('d', 240), Kind = "gpu", MemoryBytes = 1 }));
            registered.Add((await host.Workers().RegisterWorkerAsync(request)).WorkerId);
        }

        var (seen, pages) = await ListAllAsync(host, pageSize: 1000,
            page => Assert.True(page.CalculateSize() <= budget + page.Workers[^1].CalculateSize() + 16, $"a page of {page.CalculateSize()} bytes"));

        Assert.Equal(registered, seen.Where(registered.Contains).ToList());
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.True(pages >= 4, $"{pages} pages for 12 workers of ~17 KB each under a 64 KiB budget");
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData("'; DROP TABLE workers; --")]
    public async Task A_page_token_it_did_not_issue_is_invalid_argument(string token)
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await host.Sweeps().ListWorkersAsync(new ListWorkersRequest { PageToken = token }));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("page_token", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_negative_page_size_is_invalid_argument()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);

        Assert.Equal(StatusCode.InvalidArgument,
            await TestCoordinator.CodeOfAsync(async () => await host.Sweeps().ListWorkersAsync(new ListWorkersRequest { PageSize = -1 })));
    }

    /// <summary>Every worker id, page by page, with the number of pages it took; <paramref name="check"/> sees each page.</summary>
    private static async Task<(List<string> Ids, int Pages)> ListAllAsync(CoordinatorHost host, int pageSize, Action<ListWorkersResponse> check)
    {
        var ids = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await host.Sweeps().ListWorkersAsync(new ListWorkersRequest { PageSize = pageSize, PageToken = token });
            check(page);
            ids.AddRange(page.Workers.Select(w => w.Id));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);
        return (ids, pages);
    }
}
