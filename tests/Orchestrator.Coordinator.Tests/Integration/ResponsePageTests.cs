using Orchestrator.Coordinator.Api.Boundary;
using Orchestrator.Protos;

namespace Orchestrator.Coordinator.Tests.Integration;

public sealed class ResponsePageTests
{
    private static Job JobWithError(int id, int errorLength) => new() { Id = id, Error = new string('e', errorLength) };

    [Fact]
    public void Small_items_all_fit_and_the_page_is_not_cut()
    {
        var (items, cut) = ResponsePage.Fill(Enumerable.Range(1, 10).Select(i => JobWithError(i, 10)), 64 * 1024);

        Assert.Equal(10, items.Count);
        Assert.False(cut);
    }

    [Fact]
    public void Items_past_the_budget_wait_for_the_next_page()
    {
        var (items, cut) = ResponsePage.Fill(Enumerable.Range(1, 10).Select(i => JobWithError(i, 16 * 1024)), 64 * 1024);

        Assert.Equal([1L, 2, 3], items.Select(j => j.Id));
        Assert.True(cut);
    }

    [Fact]
    public void One_item_larger_than_the_budget_still_goes_alone_so_a_listing_moves_on()
    {
        var (items, cut) = ResponsePage.Fill([JobWithError(1, 100_000), JobWithError(2, 1)], 64 * 1024);

        Assert.Equal([1L], items.Select(j => j.Id));
        Assert.True(cut);
    }
}
