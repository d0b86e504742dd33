using Grpc.Core;
using Orchestrator.Coordinator.Api;
using Orchestrator.Coordinator.Cli;

namespace Orchestrator.Coordinator.Tests.Cli;

/// <summary>`orch submit` explains an identical sweep from the refusal's trailers, whatever the server's message says.</summary>
public sealed class AlreadySubmittedTests
{
    [Fact]
    public void The_existing_sweep_comes_from_the_trailers_not_the_message()
    {
        var refusal = new RpcException(new Status(StatusCode.AlreadyExists, "reworded by a newer server"),
            new Metadata { { ExistingSweep.SweepIdKey, "42" }, { ExistingSweep.NameKey, "small-encoders" } });

        var message = SweepCommands.AlreadySubmitted(refusal);

        Assert.Equal("sweep 42 named 'small-encoders' has an identical spec; pass --new to submit it again", message);
    }

    [Fact]
    public void The_server_refusal_round_trips_through_its_trailers()
    {
        var refusal = new ExistingSweep(7, "demo").ToRefusal();

        Assert.Equal(StatusCode.AlreadyExists, refusal.StatusCode);
        Assert.Equal(new ExistingSweep(7, "demo"), ExistingSweep.From(refusal));
        Assert.Contains("pass --new", SweepCommands.AlreadySubmitted(refusal), StringComparison.Ordinal);
    }

    [Fact]
    public void A_refusal_without_details_is_shown_as_the_server_sent_it()
    {
        var refusal = new RpcException(new Status(StatusCode.AlreadyExists, "sweep 3 exists"));

        Assert.Null(ExistingSweep.From(refusal));
        Assert.Equal("sweep 3 exists", SweepCommands.AlreadySubmitted(refusal));
    }
}
