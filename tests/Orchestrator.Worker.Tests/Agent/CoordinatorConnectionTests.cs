using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Shared.Transport;
using Orchestrator.Worker.Agent;

namespace Orchestrator.Worker.Tests.Agent;

public sealed class CoordinatorConnectionTests
{
    private static readonly RpcException Down = new(new Status(StatusCode.Unavailable, "connection refused"));

    private static readonly RpcException DatabaseDown = new(
        new Status(StatusCode.Unavailable, "the coordinator's database is unavailable; retry"),
        new Metadata { { UnavailableReason.TrailerKey, UnavailableReason.Database } });

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
    public async Task A_coordinator_that_answers_its_database_is_down_is_retried_and_the_agent_does_not_switch()
    {
        using var connection = Connect("http://127.0.0.1:1,http://127.0.0.1:2");
        var tried = new List<int>();

        // Both coordinators share the database: moving on would not help, and would spread a restart's noise.
        var answer = await connection.CallAsync("test", _ =>
        {
            tried.Add(connection.Address.Port);
            return tried.Count < 4 ? throw DatabaseDown : Task.FromResult(connection.Address.Port);
        }, CancellationToken.None);

        Assert.Equal(1, answer);
        Assert.Equal([1, 1, 1, 1], tried);
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

    [Fact]
    public async Task A_successful_call_marks_the_contact_file_at_most_every_ten_seconds()
    {
        var directory = Directory.CreateTempSubdirectory("orch-contact-").FullName;
        try
        {
            var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-02T03:04:05Z", CultureInfo.InvariantCulture));
            var contact = new CoordinatorContactFile(directory, time);
            using var connection = new CoordinatorConnection(
                new AgentOptions { Coordinator = "http://127.0.0.1:1,http://127.0.0.1:2", Token = "t", MaxRetryDelay = TimeSpan.FromMilliseconds(5) },
                NullLogger.Instance, contact);

            var attempts = 0;
            await connection.CallAsync("test", _ => ++attempts == 1 ? throw Down : Task.FromResult(0), CancellationToken.None);
            var first = File.ReadAllText(contact.FilePath).Trim();
            time.Advance(TimeSpan.FromSeconds(3));
            await connection.CallAsync("test", _ => Task.FromResult(0), CancellationToken.None);
            var throttled = File.ReadAllText(contact.FilePath).Trim();
            time.Advance(TimeSpan.FromSeconds(30));
            await connection.CallAsync("test", _ => Task.FromResult(0), CancellationToken.None);

            Assert.Equal("2025-01-02T03:04:05.0000000+00:00", first);
            Assert.Equal(first, throttled);
            Assert.Equal("2025-01-02T03:04:38.0000000+00:00", File.ReadAllText(contact.FilePath).Trim());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
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
