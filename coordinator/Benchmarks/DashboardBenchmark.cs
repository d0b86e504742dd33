using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;
using Orchestrator.Coordinator.Cli;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Storage;
using Orchestrator.LocalPostgres;

namespace Orchestrator.Coordinator.Benchmarks;

/// <summary>
/// `orch bench-dashboard [--jobs N] [--workers W] [--runs R]`: a finished sweep of N jobs and W registered workers in a
/// throwaway local PostgreSQL, served by an in-process coordinator as `orch demo` starts it; times each dashboard page
/// as a signed-in browser fetches it over loopback HTTP/1.1, beside the login page (no data) as the baseline of the
/// same run. Loopback client time is included, so the figures are an upper bound on the server's.
/// </summary>
public static class DashboardBenchmark
{
    public static async Task RunAsync(int jobs, int workers, int runs)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"orch-bench-dashboard-{Guid.NewGuid():N}");
        Console.WriteLine($"starting a throwaway PostgreSQL in {directory} …");
        await using var cluster = await LocalPostgresCluster.StartAsync(new LocalPostgresOptions { DataDirectory = directory, Persistent = false });
        long sweep, active;
        await using (var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString))
        {
            await new SchemaMigrator(dataSource).MigrateAsync();
            sweep = await ResultsBenchmark.InsertSweepAsync(dataSource, jobs);
            await InsertEpochsAsync(dataSource, sweep, EpochsPerJob);
            await InsertWorkersAsync(dataSource, workers);
            active = await InsertActiveSweepAsync(dataSource, jobs, workers);
            Console.WriteLine($"inserted a finished sweep (#{sweep}) of {jobs:N0} jobs with {EpochsPerJob} reported epochs each, an active one (#{active}: 88% done, 2% running, with their job events) and {workers:N0} online workers; {runs} timed fetches per page after 2 warm-ups");
        }

        var demo = new DemoCoordinator(cluster.ConnectionString, LoopbackPort.PickFree(), LoopbackPort.PickFree(), "bench-client", "bench-worker", "bench-viewer");
        await using var coordinator = await CoordinatorHost.StartAsync(demo.Settings());
        using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{demo.WebPort}"),
        };
        var login = await browser.GetAsync(demo.DashboardLink);
        if (login.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"signing in failed: {(int)login.StatusCode} {login.ReasonPhrase}");
        }

        var lastPage = (jobs + 99) / 100;
        long firstJob;
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString))
        {
            await connection.OpenAsync();
            await using var first = new NpgsqlCommand("SELECT min(id) FROM jobs WHERE sweep_id = @sweep", connection);
            first.Parameters.AddWithValue("sweep", sweep);
            firstJob = (long)(await first.ExecuteScalarAsync())!;
        }

        var sixJobs = string.Join(",", Enumerable.Range(0, 6).Select(i => (firstJob + (i * 997)).ToString(CultureInfo.InvariantCulture)));
        var pages = new (string Name, string Path)[]
        {
            ("baseline: /login (no data)", "/login"),
            ("sweeps list", "/"),
            ("sweep, jobs page 1 + results table", $"/sweeps/{sweep}"),
            ($"sweep, jobs page {lastPage} (last)", $"/sweeps/{sweep}?page={lastPage}"),
            ("sweep, sorted by R@1, filtered by encoder", $"/sweeps/{sweep}?sort=r1&dir=desc&encoder=resnet50"),
            ("results.csv export", $"/sweeps/{sweep}/results.csv"),
            ($"workers ({workers:N0})", "/workers"),
            ("/api/sweeps/ID (JSON)", $"/api/sweeps/{sweep}"),
            ("active sweep: jobs page 1 + results + estimated finish", $"/sweeps/{active}"),
            ($"sweep loss curves (SVG, {Results.SweepPlots.MaxCurves} of {jobs:N0} jobs drawn)", $"/sweeps/{sweep}/{Results.SweepPlots.LossName}.svg"),
            ("sweep loss curves (PNG)", $"/sweeps/{sweep}/{Results.SweepPlots.LossName}.png"),
            ("R@1 vs latency with the Pareto front (SVG)", $"/sweeps/{sweep}/t2i_r1-vs-latency_ms_b1.svg"),
            ($"job page ({EpochsPerJob} epochs, history)", $"/jobs/{firstJob}"),
            ("compare 6 jobs", $"/compare?jobs={sixJobs}"),
        };

        var timings = new List<(string Name, (double Median, double P90) Time, long Bytes)>();
        foreach (var (name, path) in pages)
        {
            long bytes = 0;
            var time = await ResultsBenchmark.TimeAsync(runs, async () =>
            {
                using var response = await browser.GetAsync(new Uri(path, UriKind.Relative));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                bytes = (await response.Content.ReadAsByteArrayAsync()).LongLength;
                return bytes;
            });
            timings.Add((name, time, bytes));
        }

        var baseline = timings[0].Time.Median;
        Console.WriteLine();
        Console.WriteLine("| page | median ms | p90 ms | × the login page's time | bytes |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var (name, time, bytes) in timings)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {time.Median:F1} | {time.P90:F1} | {time.Median / baseline:F1}× | {bytes:N0} |"));
        }

        // Last: each timed change adds a job to the sweep.
        var live = await TimeLiveEventAsync(browser, cluster.ConnectionString, sweep, runs);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"live updates: a job's state change committed → its event read by a client of /sweeps/{sweep}/events: median {live.Median:F1} ms, p90 {live.P90:F1} ms (the stream polls every {new QueueOptions().WatchPollInterval.TotalMilliseconds:F0} ms)"));
    }

    /// <summary>
    /// From a job entering a state in the database (a job added to the sweep: its queued event) to that event read by a
    /// signed-in client following the sweep's stream: the poll's wait, the reads of a poll with a change (the counts of
    /// the whole sweep among them) and the delivery.
    /// </summary>
    private static async Task<(double Median, double P90)> TimeLiveEventAsync(HttpClient browser, string connectionString, long sweep, int runs)
    {
        using var response = await browser.GetAsync(new Uri($"/sweeps/{sweep}/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"/sweeps/{sweep}/events: {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var poll = new QueueOptions().WatchPollInterval;
        var times = new List<double>();
        for (var change = 0; change < runs + 2; change++)
        {
            // Right after an event the stream has just polled, so a change made then would always wait a whole interval:
            // change at a random moment of it instead, as real changes come.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * poll.TotalMilliseconds));
            var watch = Stopwatch.StartNew();
            await using var insert = dataSource.CreateCommand("""
                INSERT INTO jobs (sweep_id, job_key, encoder, params, dataset, max_attempts, created_at, available_at)
                VALUES (@sweep, 'live-' || @change, 'resnet18', '{}', '{}', 1, now(), now())
                RETURNING id
                """);
            insert.Parameters.AddWithValue("sweep", sweep);
            insert.Parameters.AddWithValue("change", change);
            var job = (long)(await insert.ExecuteScalarAsync())!;
            var expected = string.Create(CultureInfo.InvariantCulture, $"data: {{\"job\":{job},\"state\":\"queued\"");
            string line;
            do
            {
                line = await events.ReadLineAsync() ?? throw new InvalidOperationException($"the event stream of sweep {sweep} ended before the event of job {job}");
            }
            while (!line.StartsWith(expected, StringComparison.Ordinal));

            if (change >= 2) // two warm-ups, as the pages
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        return (times[times.Count / 2], times[(int)Math.Min(times.Count - 1, Math.Ceiling(times.Count * 0.9) - 1)]);
    }

    /// <summary>
    /// A sweep under way, for the estimated finish (FinishEstimator aggregates its job events): its jobs queued, then 90%
    /// leased by the workers and most of those done, through the state trigger, so the events are the ones a real run writes.
    /// </summary>
    private static async Task<long> InsertActiveSweepAsync(NpgsqlDataSource dataSource, int jobs, int workers)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var sweep = new NpgsqlCommand("INSERT INTO sweeps (name, spec, spec_hash, job_count, created_at) VALUES ('bench-active', '{}', 'bench-active', @n, now()) RETURNING id", connection);
        sweep.Parameters.AddWithValue("n", jobs);
        var sweepId = (long)(await sweep.ExecuteScalarAsync())!;
        await using var command = new NpgsqlCommand("""
            INSERT INTO jobs (sweep_id, job_key, encoder, params, dataset, max_attempts, created_at, available_at)
            SELECT @id, 'active-' || i, 'resnet18', jsonb_build_object('encoder', 'resnet18', 'seed', i), '{}', 3, now(), now() FROM generate_series(1, @n) AS i;
            UPDATE jobs SET state = 'running', lease_owner = 'bench-' || (1 + id % @workers), lease_expires_at = now() + interval '1 hour', started_at = now()
            WHERE sweep_id = @id AND id % 10 <> 0 AND @workers > 0;
            UPDATE jobs SET state = 'succeeded', lease_owner = NULL, lease_expires_at = NULL, finished_at = now(), result = '{}'
            WHERE sweep_id = @id AND state = 'running' AND id % 45 <> 1;
            """, connection);
        command.Parameters.AddWithValue("id", sweepId);
        command.Parameters.AddWithValue("n", jobs);
        command.Parameters.AddWithValue("workers", workers); // without workers to lease it, the sweep stays queued
        await command.ExecuteNonQueryAsync();
        return sweepId;
    }

    private const int EpochsPerJob = 10;

    /// <summary>Every job of the sweep reported <paramref name="epochs"/> epochs: what its loss figures and job pages read.</summary>
    private static async Task InsertEpochsAsync(NpgsqlDataSource dataSource, long sweep, int epochs)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO job_metrics (job_id, attempt, epoch, step, metrics, recorded_at)
            SELECT j.id, 1, e, e * 100, jsonb_build_object('train_loss', 3.0 - e * 0.1 - (j.id % 7) * 0.01, 'val_loss', 3.1 - e * 0.08), now()
            FROM jobs j, generate_series(1, @epochs) AS e
            WHERE j.sweep_id = @sweep
            """);
        command.Parameters.AddWithValue("sweep", sweep);
        command.Parameters.AddWithValue("epochs", epochs);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task InsertWorkersAsync(NpgsqlDataSource dataSource, int workers)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO workers (id, name, host, devices, version, state, registered_at, last_seen_at)
            SELECT 'bench-' || i, 'gpu-node-' || i, 'host-' || (i / 8), '["cuda:0"]', 'bench', 'online', now(), now()
            FROM generate_series(1, @n) AS i
            """);
        command.Parameters.AddWithValue("n", workers);
        await command.ExecuteNonQueryAsync();
    }
}
