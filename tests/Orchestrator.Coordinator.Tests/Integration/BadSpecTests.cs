using Grpc.Core;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>Every invalid spec of the shared table is refused over gRPC, naming its YAML path, and stores nothing.</summary>
public sealed class BadSpecTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>, IAsyncLifetime
{
    private CoordinatorHost host = null!;

    public static TheoryData<string, string, string, string> Cases => BadSpecs.All;

    public async Task InitializeAsync() => host = await TestCoordinator.StartAsync(database.ConnectionString);

    public Task DisposeAsync() => host.DisposeAsync().AsTask();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Invalid_spec_is_refused_with_its_yaml_path_and_nothing_is_stored(string name, string spec, string path, string message)
    {
        var sweeps = host.Sweeps();

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = spec }));

        Assert.True(refused.StatusCode == StatusCode.InvalidArgument, $"{name}: {refused.Status}");
        Assert.Contains(path, refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(message, refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0L, await TestCoordinator.ScalarAsync<long>(database.ConnectionString, "SELECT count(*) FROM sweeps"));
        Assert.Equal(0L, await TestCoordinator.ScalarAsync<long>(database.ConnectionString, "SELECT count(*) FROM jobs"));
    }

    [Fact]
    public async Task Every_problem_of_a_spec_is_listed()
    {
        const string spec = "name: s\ndataset: {format: synthetic}\nencoders: [resnet18, vgg16]\nparameters:\n  head_lr: -1\n  dropout: 2\n";

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await host.Sweeps().SubmitSweepAsync(new SubmitSweepRequest { Spec = spec }));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("encoders[1]", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("parameters.head_lr", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("parameters.dropout", refused.Status.Detail, StringComparison.Ordinal);
    }
}
