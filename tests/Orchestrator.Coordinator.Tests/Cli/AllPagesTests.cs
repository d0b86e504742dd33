using Orchestrator.Coordinator.Cli;

namespace Orchestrator.Coordinator.Tests.Cli;

public sealed class AllPagesTests
{
    [Fact]
    public async Task Follows_every_token_until_an_empty_one_and_keeps_the_order()
    {
        var pages = new Dictionary<string, (int[] Items, string Next)>
        {
            [""] = ([1, 2], "a"),
            ["a"] = ([3, 4], "b"),
            ["b"] = ([5], ""),
        };
        var asked = new List<string>();

        var all = await AllPages.ReadAsync<int>(token =>
        {
            asked.Add(token);
            return Task.FromResult(((IEnumerable<int>)pages[token].Items, pages[token].Next));
        });

        Assert.Equal([1, 2, 3, 4, 5], all);
        Assert.Equal(["", "a", "b"], asked);
    }

    [Fact]
    public async Task A_repeated_token_stops_with_an_error_instead_of_looping_forever()
    {
        var calls = 0;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AllPages.ReadAsync<int>(_ =>
        {
            calls++;
            return Task.FromResult(((IEnumerable<int>)[calls], "same"));
        }));

        Assert.Contains("same", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, calls);
    }
}
