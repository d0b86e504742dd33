using System.Text;
using Google.Rpc;
using Grpc.Core;
using Orchestrator.Coordinator.Cli;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// Hostile or mistaken client calls are refused at the boundary with the right code and a message naming the
/// field, before the database is asked; a refusal with hundreds of problems still fits in the response headers.
/// </summary>
public sealed class ClientInputTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>, IAsyncLifetime
{
    private CoordinatorHost host = null!;
    private SweepService.SweepServiceClient sweeps = null!;
    private ResultsService.ResultsServiceClient results = null!;

    private string ConnectionString => database.ConnectionString;

    public async Task InitializeAsync()
    {
        host = await TestCoordinator.StartAsync(ConnectionString);
        await TestCoordinator.ClearAsync(ConnectionString);
        sweeps = host.Sweeps();
        results = new ResultsService.ResultsServiceClient(host.Connect(TestCoordinator.ClientToken));
    }

    public Task DisposeAsync() => host.DisposeAsync().AsTask();

    [Fact]
    public async Task An_out_of_range_job_state_is_refused_naming_state()
    {
        await TestCoordinator.RefusedAsync(
            async () => await sweeps.ListJobsAsync(new ListJobsRequest { State = (JobState)99 }), StatusCode.InvalidArgument, "state");
    }

    [Fact]
    public async Task Negative_ids_are_refused_naming_the_field()
    {
        await TestCoordinator.RefusedAsync(async () => await sweeps.GetSweepAsync(new GetSweepRequest { SweepId = -1 }), StatusCode.InvalidArgument, "sweep_id");
        await TestCoordinator.RefusedAsync(async () => await sweeps.GetJobAsync(new GetJobRequest { JobId = -1 }), StatusCode.InvalidArgument, "job_id");
        await TestCoordinator.RefusedAsync(async () => await sweeps.ListJobsAsync(new ListJobsRequest { SweepId = -3 }), StatusCode.InvalidArgument, "sweep_id");
        await TestCoordinator.RefusedAsync(async () => await sweeps.CancelSweepAsync(new CancelSweepRequest { SweepId = -1 }), StatusCode.InvalidArgument, "sweep_id");
    }

    [Fact]
    public async Task Garbage_tokens_are_refused_naming_them()
    {
        var sweepId = await host.SeedSweepAsync(1);

        await TestCoordinator.RefusedAsync(
            async () => await sweeps.ListJobsAsync(new ListJobsRequest { PageToken = "\0garbage" }), StatusCode.InvalidArgument, "page_token");
        await TestCoordinator.RefusedAsync(
            async () => await sweeps.ListSweepsAsync(new ListSweepsRequest { PageToken = new string('9', 100_000) }), StatusCode.InvalidArgument, "page_token");
        await TestCoordinator.RefusedAsync(async () =>
        {
            using var watch = sweeps.WatchSweep(new WatchSweepRequest { SweepId = sweepId, ResumeToken = "1.2.3\0" });
            await watch.ResponseStream.MoveNext();
        }, StatusCode.InvalidArgument, "resume_token");
    }

    [Theory]
    [InlineData("encoder,encoder", "group_by[1]")]
    [InlineData("encoder,enc\0oder", "group_by[1]")]
    [InlineData(",encoder", "group_by[0]")]
    public async Task Bad_group_by_entries_are_refused_naming_the_entry(string groupBy, string field)
    {
        var sweepId = await host.SeedSweepAsync(2);
        var request = new GetResultsRequest { SweepIds = { sweepId } };
        request.GroupBy.Add(groupBy.Split(','));

        await TestCoordinator.RefusedAsync(async () => await results.GetResultsAsync(request), StatusCode.InvalidArgument, field);
    }

    [Fact]
    public async Task Repeated_cost_axes_and_sweep_ids_and_too_many_sweeps_are_refused()
    {
        var sweepId = await host.SeedSweepAsync(1);

        await TestCoordinator.RefusedAsync(
            async () => await results.GetResultsAsync(new GetResultsRequest { SweepIds = { sweepId }, CostAxes = { "latency_ms_b1", "latency_ms_b1" } }),
            StatusCode.InvalidArgument, "cost_axes[1]");
        await TestCoordinator.RefusedAsync(
            async () => await results.GetResultsAsync(new GetResultsRequest { SweepIds = { sweepId, sweepId } }), StatusCode.InvalidArgument, "sweep_ids[1]");
        await TestCoordinator.RefusedAsync(
            async () => await results.GetResultsAsync(new GetResultsRequest { SweepIds = { Enumerable.Range(1, 1000).Select(i => (long)i) } }),
            StatusCode.InvalidArgument, "sweep_ids");
        await TestCoordinator.RefusedAsync(
            async () => await results.GetLossCurvesAsync(new GetLossCurvesRequest { SweepIds = { sweepId, sweepId } }), StatusCode.InvalidArgument, "sweep_ids[1]");
    }

    [Fact]
    public async Task A_control_character_in_the_loss_curve_encoder_is_refused()
    {
        var sweepId = await host.SeedSweepAsync(1);

        await TestCoordinator.RefusedAsync(
            async () => await results.GetLossCurvesAsync(new GetLossCurvesRequest { SweepIds = { sweepId }, Encoder = "resnet\0" }), StatusCode.InvalidArgument, "encoder");
    }

    [Theory]
    [InlineData("description: \"a\0b\"\n")]
    [InlineData("description: a\u0001b\n")]
    [InlineData("dataset: {format: synthetic, images: \"/data/\0x\"}\n")]
    public async Task A_control_character_in_a_spec_is_refused_and_nothing_is_stored(string line)
    {
        var spec = "name: s\n" + (line.StartsWith("dataset", StringComparison.Ordinal) ? line : "dataset: {format: synthetic}\n" + line) + "encoders: [resnet18]\n";

        await TestCoordinator.RefusedAsync(async () => await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = spec }), StatusCode.InvalidArgument, "spec");

        Assert.Equal(0, await TestCoordinator.CountAsync(ConnectionString, "sweeps"));
    }

    [Fact]
    public async Task A_spec_with_500_problems_fits_the_headers_with_every_problem_in_the_detail()
    {
        var spec = "name: s\ndataset: {format: synthetic}\nencoders: [" + string.Join(", ", Enumerable.Range(0, 500).Select(i => $"nope{i}")) + "]\n";

        var refused = await TestCoordinator.RefusedAsync(
            async () => await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = spec }), StatusCode.InvalidArgument, "encoders[0]");

        Assert.Contains("… and 480 more", refused.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("encoders[20]:", refused.Status.Detail, StringComparison.Ordinal);
        var detail = refused.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(detail);
        Assert.Equal(500, detail.FieldViolations.Count);
        Assert.Equal("encoders[499]", detail.FieldViolations[^1].Field);
        using var cli = new CliConnection(host.Address.ToString(), TestCoordinator.ClientToken);
        var explained = cli.Explain(refused);
        Assert.Contains("encoders[0]", explained, StringComparison.Ordinal);
        Assert.DoesNotContain("could not reach", explained, StringComparison.Ordinal);
        Assert.Equal(0, await TestCoordinator.CountAsync(ConnectionString, "sweeps"));
    }

    [Fact]
    public async Task A_ten_megabyte_spec_is_refused_as_too_large()
    {
        var spec = new StringBuilder("name: s\ndataset: {format: synthetic}\nencoders: [resnet18]\ndescription: ").Append('d', 10_000_000).Append('\n').ToString();

        var code = await TestCoordinator.CodeOfAsync(async () => await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = spec }));

        Assert.Equal(StatusCode.ResourceExhausted, code);
        Assert.Equal(0, await TestCoordinator.CountAsync(ConnectionString, "sweeps"));
    }
}
