using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Worker.Agent;

namespace Orchestrator.Worker.Tests.Agent;

public sealed class CoordinatorFailoverTests
{
    private static readonly RpcException Down = new(new Status(StatusCode.Unavailable, "connection refused"));

    [Fact]
    public async Task A_call_whose_coordinator_is_unreachable_is_retried_on_the_next_address_and_later_calls_stay_there()
    {
        using var connection = Connect("http://127.0.0.1:1, http://127.0.0.1:2");
        var tried = new List<int>();

        var first = await connection.CallAsync("test", _ => Answer(connection, tried, down: 1), CancellationToken.None);
        var second = await connection.CallAsync("test", _ => Answer(connection, tried, down: 1), CancellationToken.None);

        Assert.Equal([2, 2], new[] { first, second });
        Assert.Equal([1, 2, 2], tried);
    }

    [Fact]
    public async Task With_every_coordinator_down_for_a_while_the_call_cycles_through_them_until_one_answers()
    {
        using var connection = Connect("http://127.0.0.1:1,http://127.0.0.1:2");
        var tried = new List<int>();

        var answer = await connection.CallAsync("test", _ =>
        {
            tried.Add(connection.Address.Port);
            return tried.Count < 5 ? throw Down : Task.FromResult(connection.Address.Port);
        }, CancellationToken.None);

        Assert.Equal(1, answer);
        Assert.Equal([1, 2, 1, 2, 1], tried);
    }

    [Fact]
    public async Task Several_slots_failing_on_the_same_coordinator_move_the_agent_on_once()
    {
        using var connection = Connect("http://127.0.0.1:1,http://127.0.0.1:2,http://127.0.0.1:3");
        var tried = new List<int>();
        using var bothFailed = new Barrier(2);

        // Two calls fail on coordinator 1 at the same moment; both must end on 2, none skip ahead to 3.
        var calls = Enumerable.Range(0, 2).Select(_ => Task.Run(() => connection.CallAsync("test", _ =>
        {
            if (connection.Address.Port == 1)
            {
                bothFailed.SignalAndWait(TimeSpan.FromSeconds(5));
                throw Down;
            }

            return Answer(connection, tried, down: 0);
        }, CancellationToken.None)));

        var answers = await Task.WhenAll(calls);
        Assert.Equal([2, 2], answers);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData("coordinator:50051")]
    [InlineData("http://a:50051,ftp://b")]
    public void Addresses_that_are_not_http_urls_are_refused(string addresses) =>
        Assert.Throws<ArgumentException>(() => CoordinatorConnection.ParseAddresses(addresses));

    [Fact]
    public void One_address_or_a_list_is_accepted() =>
        Assert.Equal(["http://a:50051/", "https://b/"], CoordinatorConnection.ParseAddresses("http://a:50051, https://b").Select(u => u.ToString()));

    private static CoordinatorConnection Connect(string addresses) =>
        new(new AgentOptions { Coordinator = addresses, Token = "t", MaxRetryDelay = TimeSpan.FromMilliseconds(5) }, NullLogger.Instance);

    private static Task<int> Answer(CoordinatorConnection connection, List<int> tried, int down)
    {
        var port = connection.Address.Port;
        lock (tried)
        {
            tried.Add(port);
        }

        return port == down ? throw Down : Task.FromResult(port);
    }
}
