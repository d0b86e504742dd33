using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// Hostile or mistaken worker calls are refused at the boundary with INVALID_ARGUMENT naming the field, and store
/// nothing; error texts are kept but cleaned and capped. Each case used to reach PostgreSQL (or a conversion) and
/// come back as UNKNOWN, or was stored and broke later reads.
/// </summary>
public sealed class WorkerInputTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>, IAsyncLifetime
{
    private const string Nul = "a\0b";
    private CoordinatorHost host = null!;
    private WorkerService.WorkerServiceClient workers = null!;

    private string ConnectionString => database.ConnectionString;

    public async Task InitializeAsync()
    {
        host = await TestCoordinator.StartAsync(ConnectionString);
        await TestCoordinator.ClearAsync(ConnectionString);
        workers = host.Workers();
    }

    public Task DisposeAsync() => host.DisposeAsync().AsTask();

    [Theory]
    [InlineData("name")]
    [InlineData("host")]
    [InlineData("version")]
    [InlineData("devices[0].name")]
    [InlineData("devices[0].kind")]
    public async Task A_control_character_in_a_worker_field_is_refused_naming_it(string field)
    {
        var request = ValidRegistration();
        _ = field switch
        {
            "name" => request.Name = Nul,
            "host" => request.Host = Nul,
            "version" => request.Version = Nul,
            "devices[0].name" => request.Devices[0].Name = Nul,
            _ => request.Devices[0].Kind = Nul,
        };

        await TestCoordinator.RefusedAsync(async () => await workers.RegisterWorkerAsync(request), StatusCode.InvalidArgument, field);

        Assert.Equal(0, await TestCoordinator.CountAsync(ConnectionString, "workers"));
    }

    [Fact]
    public async Task A_megabyte_worker_name_is_refused()
    {
        var request = ValidRegistration();
        request.Name = new string('w', 1_000_000);

        var refused = await TestCoordinator.RefusedAsync(async () => await workers.RegisterWorkerAsync(request), StatusCode.InvalidArgument, "name");

        Assert.True(refused.Status.Detail.Length < 1_000, "the refusal does not echo the whole value");
        Assert.Equal(0, await TestCoordinator.CountAsync(ConnectionString, "workers"));
    }

    [Fact]
    public async Task Negative_device_memory_and_too_many_devices_are_refused()
    {
        var negative = ValidRegistration();
        negative.Devices[0].MemoryBytes = -1;
        var many = ValidRegistration();
        many.Devices.Add(Enumerable.Range(0, 100).Select(i => new Device { Name = $"cuda:{i}", Kind = "cuda", MemoryBytes = 1 }));

        await TestCoordinator.RefusedAsync(async () => await workers.RegisterWorkerAsync(negative), StatusCode.InvalidArgument, "devices[0].memory_bytes");
        await TestCoordinator.RefusedAsync(async () => await workers.RegisterWorkerAsync(many), StatusCode.InvalidArgument, "devices");

        Assert.Equal(0, await TestCoordinator.CountAsync(ConnectionString, "workers"));
    }

    [Fact]
    public async Task A_control_character_in_a_worker_id_is_refused()
    {
        await TestCoordinator.RefusedAsync(
            async () => await workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = Nul }), StatusCode.InvalidArgument, "worker_id");
        await TestCoordinator.RefusedAsync(
            async () => await workers.HeartbeatAsync(new HeartbeatRequest { Lease = new Protos.LeaseToken { JobId = 1, Attempt = 1, WorkerId = Nul } }),
            StatusCode.InvalidArgument, "lease.worker_id");
    }

    [Theory]
    [InlineData(1L, -1)] // sign mismatch
    [InlineData(0L, 1_000_000_000)] // nanos out of range
    [InlineData(-1L, 5)]
    [InlineData(long.MaxValue, 0)] // seconds out of range
    [InlineData(-5L, 0)] // negative
    public async Task A_malformed_lease_wait_is_refused_naming_wait(long seconds, int nanos)
    {
        var worker = await workers.RegisterAsync();

        await TestCoordinator.RefusedAsync(
            async () => await workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = worker, Wait = new Duration { Seconds = seconds, Nanos = nanos } }),
            StatusCode.InvalidArgument, "wait");
    }

    [Theory]
    [InlineData("t2i_r1", -0.5, "metrics[t2i_r1]")]
    [InlineData("t2i_r1", 1.5, "metrics[t2i_r1]")]
    [InlineData("train_loss", 1e300, "metrics[train_loss]")]
    [InlineData("train_time_s", -1.0, "metrics[train_time_s]")]
    [InlineData("params_total", 1.5, "metrics[params_total]")]
    [InlineData("my_own_metric", 1e13, "metrics[my_own_metric]")]
    [InlineData("Bad Key", 1.0, "metrics")]
    [InlineData("t2i\0r1", 0.5, "metrics")]
    public async Task An_out_of_range_or_badly_named_progress_metric_is_refused_and_nothing_is_recorded(string key, double value, string field)
    {
        var (worker, job) = await LeaseOneAsync();
        var report = new ReportProgressRequest { Lease = job.Token(worker), Epoch = 1, Step = 10 };
        report.Metrics.Add(key, value);

        await TestCoordinator.RefusedAsync(async () => await workers.ReportProgressAsync(report), StatusCode.InvalidArgument, field);

        Assert.Equal(0, await TestCoordinator.CountAsync(ConnectionString, "job_metrics"));
    }

    [Theory]
    [InlineData(-1, 0L, "epoch")]
    [InlineData(11, 0L, "epoch")] // the seeded job has 10 epochs
    [InlineData(1, -1L, "step")]
    public async Task An_epoch_or_step_out_of_range_is_refused_and_nothing_is_recorded(int epoch, long step, string field)
    {
        var (worker, job) = await LeaseOneAsync();
        var report = new ReportProgressRequest { Lease = job.Token(worker), Epoch = epoch, Step = step };
        report.Metrics.Add("train_loss", 1.0);

        await TestCoordinator.RefusedAsync(async () => await workers.ReportProgressAsync(report), StatusCode.InvalidArgument, field);

        Assert.Equal(0, await TestCoordinator.CountAsync(ConnectionString, "job_metrics"));
    }

    [Fact]
    public async Task The_last_epoch_of_a_job_is_accepted()
    {
        var (worker, job) = await LeaseOneAsync();
        var report = new ReportProgressRequest { Lease = job.Token(worker), Epoch = 10, Step = 1000 };
        report.Metrics.Add("train_loss", 0.5);
        report.Metrics.Add("t2i_r1", 1.0);

        await workers.ReportProgressAsync(report);

        Assert.Equal(1, await TestCoordinator.CountAsync(ConnectionString, "job_metrics"));
    }

    [Fact]
    public async Task An_enormous_result_is_refused_and_the_results_table_still_works()
    {
        var (worker, job) = await LeaseOneAsync();
        var enormous = new CompleteJobRequest { Lease = job.Token(worker) };
        enormous.Metrics.Add("latency_ms_b1", 1e300);
        enormous.Metrics.Add("t2i_r1", 0.5);

        await TestCoordinator.RefusedAsync(async () => await workers.CompleteJobAsync(enormous), StatusCode.InvalidArgument, "metrics[latency_ms_b1]");
        Assert.Equal(0, await TestCoordinator.ScalarAsync<long>(ConnectionString, "SELECT count(*) FROM jobs WHERE result IS NOT NULL"));

        var fine = new CompleteJobRequest { Lease = job.Token(worker) };
        fine.Metrics.Add("latency_ms_b1", 3.5);
        fine.Metrics.Add("t2i_r1", 0.5);
        await workers.CompleteJobAsync(fine);
        var table = await new ResultsService.ResultsServiceClient(host.Connect(TestCoordinator.ClientToken))
            .GetResultsAsync(new GetResultsRequest { SweepIds = { job.SweepId } });

        Assert.Equal(3.5, Assert.Single(table.Rows).Metrics["latency_ms_b1"].Mean);
    }

    [Fact]
    public async Task A_completion_without_metrics_succeeds_with_an_empty_result()
    {
        var (worker, job) = await LeaseOneAsync();

        await workers.CompleteJobAsync(new CompleteJobRequest { Lease = job.Token(worker) });

        Assert.Equal("succeeded", await TestCoordinator.ScalarAsync<string>(ConnectionString, "SELECT state::text FROM jobs WHERE id = @id", new { id = job.JobId }));
        Assert.Equal("{}", await TestCoordinator.ScalarAsync<string>(ConnectionString, "SELECT result::text FROM jobs WHERE id = @id", new { id = job.JobId }));
    }

    [Fact]
    public async Task An_error_text_with_control_characters_is_kept_cleaned()
    {
        var (worker, job) = await LeaseOneAsync();

        await workers.FailJobAsync(new FailJobRequest { Lease = job.Token(worker), Error = "CUDA error\0 at\tline 3\nbell\a", Retryable = false });

        var stored = await TestCoordinator.ScalarAsync<string>(ConnectionString, "SELECT error FROM jobs WHERE id = @id", new { id = job.JobId });
        Assert.Equal("CUDA error\\u0000 at\tline 3\nbell\\u0007", stored);
    }

    [Fact]
    public async Task A_three_megabyte_error_text_is_truncated_with_a_marker()
    {
        var (worker, job) = await LeaseOneAsync();

        await workers.FailJobAsync(new FailJobRequest { Lease = job.Token(worker), Error = new string('x', 3_000_000), Retryable = false });

        var stored = await TestCoordinator.ScalarAsync<string>(ConnectionString, "SELECT error FROM jobs WHERE id = @id", new { id = job.JobId });
        var marker = System.Text.RegularExpressions.Regex.Match(stored, @"^(x+)… \[truncated (\d+) characters\]$");
        Assert.True(marker.Success, stored[^60..]);
        Assert.InRange(stored.Length, 16_000, 16_384);
        Assert.Equal(3_000_000, marker.Groups[1].Length + int.Parse(marker.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_release_reason_with_control_characters_is_accepted()
    {
        var (worker, job) = await LeaseOneAsync();

        await workers.ReleaseJobAsync(new ReleaseJobRequest { Lease = job.Token(worker), Reason = "shutting down\0" + new string('r', 100_000) });

        Assert.Equal("queued", await TestCoordinator.ScalarAsync<string>(ConnectionString, "SELECT state::text FROM jobs WHERE id = @id", new { id = job.JobId }));
    }

    private static RegisterWorkerRequest ValidRegistration() => new()
    {
        Name = "gpu-box",
        Host = "gpu-box.lab",
        Version = "1.0",
        Devices = { new Device { Name = "cuda:0", Kind = "cuda", MemoryBytes = 80L << 30 } },
    };

    private async Task<(string Worker, LeasedJob Job)> LeaseOneAsync()
    {
        await host.SeedSweepAsync(1);
        var worker = await workers.RegisterAsync();
        return (worker, (await workers.LeaseNowAsync(worker))!);
    }
}
