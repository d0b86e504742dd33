using Npgsql;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Monitoring;
using Orchestrator.LocalPostgres;
using Orchestrator.Protos;
using Orchestrator.Shared.Monitoring;
using Orchestrator.Testing;
using static Orchestrator.Coordinator.Tests.Integration.TestCoordinator;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// The coordinator's `/metrics` scraped over HTTP while a fake clock drives the worker calls, so every duration is
/// known exactly: the numbers on the page are those the database holds.
/// </summary>
public sealed class MetricsScrapeTests(IsolatedDatabase database) : FakeClockCoordinatorTests(database, MetricsSettings())
{
    private Uri Scrape => Host.MetricsAddress ?? throw new InvalidOperationException("the test coordinator has no metrics endpoint");

    [Fact]
    public async Task The_page_counts_what_the_database_holds_after_leases_completions_failures_and_epochs()
    {
        var sweep = await Host.SeedSweepAsync(3, maxAttempts: 3);
        var worker = await Workers.RegisterAsync();
        Clock.Advance(TimeSpan.FromSeconds(2));
        var a = (await Workers.LeaseNowAsync(worker))!; // waited 2 s
        var b = (await Workers.LeaseNowAsync(worker))!; // waited 2 s
        Clock.Advance(TimeSpan.FromSeconds(3));
        var c = (await Workers.LeaseNowAsync(worker))!; // waited 5 s
        await ReportAsync(a.Token(worker), epoch: 1);
        await ReportAsync(a.Token(worker), epoch: 2);
        await ReportAsync(b.Token(worker), epoch: 1);
        await Workers.HeartbeatAsync(new HeartbeatRequest { Lease = a.Token(worker) });
        Clock.Advance(TimeSpan.FromSeconds(10));
        await Workers.CompleteJobAsync(new CompleteJobRequest { Lease = a.Token(worker) }); // held 13 s
        await Workers.FailJobAsync(new FailJobRequest { Lease = b.Token(worker), Error = "CUDA error: out of memory", Retryable = true });
        await Workers.FailJobAsync(new FailJobRequest { Lease = c.Token(worker), Error = "bad parameters", Retryable = false });
        Clock.Advance(TimeSpan.FromSeconds(1));
        var again = (await Workers.LeaseNowAsync(worker))!; // b's second attempt, queued again 1 s ago (no backoff in these tests)

        var page = await PrometheusText.ScrapeAsync(Scrape);

        Assert.Equal(b.JobId, again.JobId);
        var rows = await QueryAsync<(string State, long Jobs)>(ConnectionString, "SELECT state::text, count(*) FROM jobs WHERE sweep_id = @sweep GROUP BY state", new { sweep });
        Assert.Equal([("failed", 1L), ("running", 1L), ("succeeded", 1L)], rows.Order());
        foreach (var state in Shared.States.StateLabels.JobStateLabels)
        {
            Assert.Equal(rows.Where(r => r.State == state).Sum(r => r.Jobs),
                page.Value(PrometheusNames.Jobs, (PrometheusNames.SweepLabel, sweep.ToString(System.Globalization.CultureInfo.InvariantCulture)), (PrometheusNames.StateLabel, state)));
        }

        var leases = await ScalarAsync<long>(ConnectionString, "SELECT count(*) FROM job_events WHERE state = 'running'");
        var completions = await ScalarAsync<long>(ConnectionString, "SELECT count(*) FROM job_events WHERE state = 'succeeded'");
        var epochs = await CountAsync(ConnectionString, "job_metrics");
        Assert.Equal((4L, 1L, 3L), (leases, completions, epochs));
        Assert.Equal(leases, page.Value(PrometheusNames.LeaseWait + "_count"));
        Assert.Equal(2 + 2 + 5 + 1, page.Value(PrometheusNames.LeaseWait + "_sum"), 6);
        Assert.Equal(completions, page.Value(PrometheusNames.LeaseToComplete + "_count"));
        Assert.Equal(13, page.Value(PrometheusNames.LeaseToComplete + "_sum"), 6);
        Assert.Equal(epochs, page.Value(PrometheusNames.EpochsReported));
        Assert.Equal(1, page.Value(PrometheusNames.Heartbeats));
        Assert.Equal(1, page.Value(PrometheusNames.Failures, (PrometheusNames.ClassLabel, FailureClasses.Retryable)));
        Assert.Equal(1, page.Value(PrometheusNames.Failures, (PrometheusNames.ClassLabel, FailureClasses.Permanent)));
        Assert.Equal(0, page.Value(PrometheusNames.QueueDepth));
        Assert.Equal(1, page.Value(PrometheusNames.WorkersOnline));
        // Npgsql's own measurements of the coordinator's pool: the calls above were timed, and its connections counted.
        Assert.True(page.Value(PrometheusNames.DatabaseCallDuration + "_count") >= leases + completions + epochs, page.Text);
        Assert.True(page.Sum(PrometheusNames.DatabaseConnections) >= 1, page.Text);
        Assert.True(page.Value(PrometheusNames.DatabaseConnectionsMax) >= 1, page.Text);
    }

    [Fact]
    public async Task The_job_gauges_are_read_once_per_cache_period()
    {
        var sweep = (await Host.SeedSweepAsync(2)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var worker = await Workers.RegisterAsync();
        var before = await PrometheusText.ScrapeAsync(Scrape);
        await Workers.LeaseNowAsync(worker);

        var cached = await PrometheusText.ScrapeAsync(Scrape);
        Clock.Advance(new MetricsOptions().GaugeCacheDuration);
        var fresh = await PrometheusText.ScrapeAsync(Scrape);

        Assert.Equal(2, before.Value(PrometheusNames.Jobs, (PrometheusNames.SweepLabel, sweep), (PrometheusNames.StateLabel, "queued")));
        Assert.Equal(2, before.Value(PrometheusNames.QueueDepth));
        Assert.Equal(2, cached.Value(PrometheusNames.Jobs, (PrometheusNames.SweepLabel, sweep), (PrometheusNames.StateLabel, "queued")));
        Assert.Equal(1, fresh.Value(PrometheusNames.Jobs, (PrometheusNames.SweepLabel, sweep), (PrometheusNames.StateLabel, "queued")));
        Assert.Equal(1, fresh.Value(PrometheusNames.Jobs, (PrometheusNames.SweepLabel, sweep), (PrometheusNames.StateLabel, "running")));
        Assert.Equal(1, fresh.Value(PrometheusNames.QueueDepth));
    }

    [Fact]
    public async Task A_sweep_ended_longer_ago_than_the_window_loses_its_series()
    {
        var id = await Host.SeedSweepAsync(1);
        var sweep = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Sweeps.CancelSweepAsync(new CancelSweepRequest { SweepId = id });
        Assert.Equal("cancelled", await ScalarAsync<string>(ConnectionString, "SELECT state::text FROM sweeps WHERE id = @id", new { id }));

        var justEnded = await PrometheusText.ScrapeAsync(Scrape);
        Clock.Advance(new MetricsOptions().FinishedSweepWindow + TimeSpan.FromSeconds(1));
        var later = await PrometheusText.ScrapeAsync(Scrape);

        Assert.Equal(1, justEnded.Value(PrometheusNames.Jobs, (PrometheusNames.SweepLabel, sweep), (PrometheusNames.StateLabel, "cancelled")));
        Assert.Empty(later.Series(PrometheusNames.Jobs, (PrometheusNames.SweepLabel, sweep)));
    }

    [Fact]
    public async Task An_expired_lease_counts_as_a_lease_expired_failure()
    {
        await Host.SeedSweepAsync(1);
        var worker = await Workers.RegisterAsync();
        await Workers.LeaseNowAsync(worker);
        Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var ended = await Rescuer().RescueAsync();

        var page = await PrometheusText.ScrapeAsync(Scrape);

        Assert.Single(ended);
        Assert.Equal(1, page.Value(PrometheusNames.Failures, (PrometheusNames.ClassLabel, FailureClasses.LeaseExpired)));
        Assert.Equal(0, page.Value(PrometheusNames.Failures, (PrometheusNames.ClassLabel, FailureClasses.Retryable)));
    }

    [Fact]
    public async Task The_page_exposes_no_token_and_no_connection_string()
    {
        await Host.SeedSweepAsync(2);
        var worker = await Workers.RegisterAsync();
        var job = (await Workers.LeaseNowAsync(worker))!;
        await Workers.CompleteJobAsync(new CompleteJobRequest { Lease = job.Token(worker) });

        var text = (await PrometheusText.ScrapeAsync(Scrape)).Text;

        var connection = new NpgsqlConnectionStringBuilder(ConnectionString);
        Assert.DoesNotContain(WorkerToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(ClientToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(ConnectionString, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("password", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("host=", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("username=", text, StringComparison.OrdinalIgnoreCase);
        if (!string.IsNullOrEmpty(connection.Password))
        {
            Assert.DoesNotContain(connection.Password, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_metrics_port_answers_metrics_only_and_without_a_token()
    {
        using var client = new HttpClient();

        using var metrics = await client.GetAsync(Scrape);
        var others = new List<System.Net.HttpStatusCode>();
        foreach (var path in new[] { "/sweeps", "/", "/login", "/dashboard.css", "/api/sweeps", "/sweeps/1" })
        {
            using var other = await client.GetAsync(new Uri(Scrape, path));
            others.Add(other.StatusCode);
        }

        Assert.Equal(System.Net.HttpStatusCode.OK, metrics.StatusCode);
        Assert.StartsWith("text/plain", metrics.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.All(others, code => Assert.Equal(System.Net.HttpStatusCode.NotFound, code)); // not the dashboard, nor its login
    }

    private static Dictionary<string, string?> MetricsSettings() => PlainHttpEndpoint.Metrics.Settings($"http://127.0.0.1:{LoopbackPort.PickFree()}");

    private async Task ReportAsync(LeaseToken lease, int epoch)
    {
        var report = new ReportProgressRequest { Lease = lease, Epoch = epoch, Step = epoch * 10 };
        report.Metrics.Add("train_loss", 1.0 / epoch);
        await Workers.ReportProgressAsync(report);
    }
}
