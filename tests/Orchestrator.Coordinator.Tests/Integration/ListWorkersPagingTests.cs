using Grpc.Core;
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

        var seen = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await host.Sweeps().ListWorkersAsync(new ListWorkersRequest { PageSize = 2, PageToken = token });
            Assert.True(page.Workers.Count <= 2);
            seen.AddRange(page.Workers.Select(w => w.Id));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);

        Assert.Equal(registered, seen.Where(registered.Contains).ToList());
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(4, pages);
        Assert.Equal(7, (await host.Sweeps().ListWorkersAsync(new ListWorkersRequest())).Workers.Count);
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
}
