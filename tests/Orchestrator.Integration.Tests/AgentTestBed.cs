using System.Globalization;
using Grpc.Core;
using Npgsql;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.LocalPostgres;
using Orchestrator.Protos;
using Orchestrator.Shared.Configuration;
using Orchestrator.Testing;
using StateLabels = Orchestrator.Shared.States.StateLabels;
using StoredJobState = Orchestrator.Shared.States.JobState;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// One test's world: its own database, a coordinator with short leases and fast Quartz jobs on a fixed loopback
/// port (so it can be stopped and started again), worker processes, and a scratch folder.
/// </summary>
public sealed class AgentTestBed : IAsyncDisposable
{
    public const string WorkerToken = "it-worker-token";
    public const string ClientToken = "it-client-token";

    private readonly List<LoggedProcess> workers = [];
    private readonly Dictionary<string, string?> settings;

    private readonly bool ownsDatabase;

    private AgentTestBed(string connectionString, bool ownsDatabase, int port, string root, Dictionary<string, string?> settings)
    {
        ConnectionString = connectionString;
        this.ownsDatabase = ownsDatabase;
        Port = port;
        Root = root;
        this.settings = settings;
    }

    public string ConnectionString { get; }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public string Root { get; }

    public CoordinatorHost? Coordinator { get; private set; }

    public SweepService.SweepServiceClient Sweeps => new(Coordinator!.Connect(ClientToken));

    public IEnumerable<LoggedProcess> Workers => workers;

    /// <summary>The settings its coordinators run with (the in-process one, or `orch serve` processes the test starts).</summary>
    public IReadOnlyDictionary<string, string?> Settings => settings;

    /// <param name="leaseDuration">lease lifetime without a heartbeat (20 s when null)</param>
    /// <param name="inProcessCoordinator">false for tests that run their own coordinators (`orch serve` processes) on the bed's database</param>
    /// <param name="connectionString">a database on a server the test runs itself (one it restarts); null: a new database on the tests' shared server</param>
    /// <param name="defaultTiming">the coordinator's shipped lease, heartbeat, backoff and Quartz intervals instead of the fast test ones (for measurements)</param>
    /// <param name="metrics">serve the coordinator's Prometheus /metrics on a free loopback port (<see cref="CoordinatorHost.MetricsAddress"/>)</param>
    public static async Task<AgentTestBed> CreateAsync(TimeSpan? leaseDuration = null, bool inProcessCoordinator = true, string? connectionString = null, bool defaultTiming = false, bool metrics = false)
    {
        var ownsDatabase = connectionString is null;
        connectionString ??= await TestPostgresServer.CreateDatabaseAsync("agent");
        var root = Directory.CreateTempSubdirectory("orch-agent-it-").FullName;
        var port = LoopbackPort.PickFree();
        var settings = defaultTiming ? DefaultTimingSettings(connectionString) : CoordinatorSettings(connectionString, leaseDuration ?? TimeSpan.FromSeconds(20));
        settings[CoordinatorEndpoint.UrlKey] = $"http://127.0.0.1:{port}";
        if (metrics)
        {
            foreach (var (key, value) in PlainHttpEndpoint.Metrics.Settings($"http://127.0.0.1:{LoopbackPort.PickFree()}"))
            {
                settings[key] = value;
            }
        }

        var bed = new AgentTestBed(connectionString, ownsDatabase, port, root, settings);
        if (inProcessCoordinator)
        {
            await bed.StartCoordinatorAsync();
        }

        return bed;
    }

    /// <summary>A coordinator's settings for these tests: the test tokens, short leases, fast Quartz jobs, no retry backoff.</summary>
    public static Dictionary<string, string?> CoordinatorSettings(string connectionString, TimeSpan leaseDuration) => new()
    {
        ["ConnectionStrings:Orchestrator"] = connectionString,
        ["Coordinator:Auth:WorkerToken"] = WorkerToken,
        ["Coordinator:Auth:ClientToken"] = ClientToken,
        ["Coordinator:Queue:LeaseDuration"] = leaseDuration.ToString("c", CultureInfo.InvariantCulture),
        ["Coordinator:Queue:HeartbeatInterval"] = "00:00:01",
        ["Coordinator:Queue:RetryBackoffBase"] = "00:00:00",
        ["Coordinator:Scheduler:LeaseRescuerInterval"] = "00:00:01",
        ["Coordinator:Scheduler:WorkerLivenessInterval"] = "00:00:02",
        ["Coordinator:Scheduler:SweepCompletionInterval"] = "00:00:01",
    };

    /// <summary>A coordinator's settings with nothing but the database and the test tokens: every timing is the shipped default.</summary>
    public static Dictionary<string, string?> DefaultTimingSettings(string connectionString) => new()
    {
        ["ConnectionStrings:Orchestrator"] = connectionString,
        ["Coordinator:Auth:WorkerToken"] = WorkerToken,
        ["Coordinator:Auth:ClientToken"] = ClientToken,
    };

    public async Task StartCoordinatorAsync() => Coordinator = await CoordinatorHost.StartAsync(settings);

    public async Task StopCoordinatorAsync()
    {
        await Coordinator!.DisposeAsync();
        Coordinator = null;
    }

    /// <summary>A worker started some other way (a launcher script): its log joins the others and the bed stops it.</summary>
    public LoggedProcess AddWorker(LoggedProcess worker)
    {
        workers.Add(worker);
        return worker;
    }

    /// <summary>A worker of this bed's coordinator, or of <paramref name="coordinators"/> (comma-separated addresses) when given.</summary>
    public LoggedProcess StartWorker(string name, int slots = 1, IDictionary<string, string>? environment = null, string? coordinators = null)
    {
        var worker = WorkerProcess.Start(name, coordinators ?? Address.ToString().TrimEnd('/'), WorkerToken, Root, slots, environment);
        workers.Add(worker);
        return worker;
    }

    /// <summary>
    /// Environment for a worker whose trainers hold after <paramref name="epoch"/> (its checkpoint and metrics written)
    /// until <see cref="ReleaseTrainers"/>: the test hook of orch-worker's TrainerHold, whose variables these are.
    /// </summary>
    public Dictionary<string, string> HoldTrainersAfterEpoch(int epoch) => new()
    {
        [EnvironmentVariables.TrainerHoldAfterEpoch] = epoch.ToString(CultureInfo.InvariantCulture),
        [EnvironmentVariables.TrainerHoldReleaseFile] = Path.Combine(Root, "release-trainers"),
    };

    /// <summary>Lets every held trainer go on; later ones pass their epoch without holding.</summary>
    public void ReleaseTrainers() => File.WriteAllText(Path.Combine(Root, "release-trainers"), string.Empty);

    /// <summary>Waits until <paramref name="count"/> trainers hold: each writes a `held` marker into its job folder.</summary>
    public Task WaitForHeldTrainersAsync(int count, TimeSpan timeout) =>
        WaitUntilAsync($"{count} trainer(s) held", () => Task.FromResult(HeldTrainerFolders().Count >= count), timeout);

    /// <summary>Job folders whose trainer holds (or held) at the hook, under any checkpoint root in the bed's folder.</summary>
    public List<string> HeldTrainerFolders() =>
        Directory.EnumerateFiles(Root, "held", SearchOption.AllDirectories).Select(Path.GetDirectoryName).Select(d => d!).ToList();

    /// <summary>The agents' --checkpoint-root: CHECKPOINT_ROOT/sweep-S/job-J holds each job's files.</summary>
    public string CheckpointRoot => Path.Combine(Root, "checkpoints");

    public async Task<long> SubmitAsync(string spec) =>
        (await Sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = spec, CreateNew = true })).SweepId;

    /// <summary>Polls until <paramref name="condition"/> holds; on timeout fails with the workers' logs.</summary>
    public async Task WaitUntilAsync(string what, Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (RpcException)
            {
                // The coordinator may be down on purpose; keep waiting.
            }

            await Task.Delay(250);
        }

        Assert.Fail($"timed out after {timeout.TotalSeconds:F0} s waiting for: {what}{Environment.NewLine}{string.Join(Environment.NewLine, workers.Select(w => w.Log))}");
    }

    public async Task<Sweep> SweepAsync(long sweepId) => await Sweeps.GetSweepAsync(new GetSweepRequest { SweepId = sweepId });

    public Task WaitForSweepEndAsync(long sweepId, TimeSpan timeout) =>
        WaitUntilAsync($"sweep {sweepId} to end", async () => (await SweepAsync(sweepId)).State != SweepState.Active, timeout);

    public async Task<T> ScalarAsync<T>(string sql, long id)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<List<(long Id, StoredJobState State, int Attempt, int MaxAttempts, string? Error, string? Result)>> JobsAsync(long sweepId)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT id, state::text, attempt, max_attempts, error, result::text FROM jobs WHERE sweep_id = @id ORDER BY id", connection);
        command.Parameters.AddWithValue("id", sweepId);
        var jobs = new List<(long, StoredJobState, int, int, string?, string?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            jobs.Add((reader.GetInt64(0), StateLabels.ToJobState(reader.GetString(1)), reader.GetInt32(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return jobs;
    }

    /// <summary>Distinct epochs reported for a job, over all its attempts.</summary>
    public async Task<List<int>> EpochsReportedAsync(long jobId)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT DISTINCT epoch FROM job_metrics WHERE job_id = @id ORDER BY epoch", connection);
        command.Parameters.AddWithValue("id", jobId);
        var epochs = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            epochs.Add(reader.GetInt32(0));
        }

        return epochs;
    }

    /// <summary>Every epoch row of a job (epoch, the attempt stored with it), in epoch order: duplicates show as repeats.</summary>
    public async Task<List<(int Epoch, int Attempt)>> EpochHistoryAsync(long jobId)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT epoch, attempt FROM job_metrics WHERE job_id = @id ORDER BY epoch, attempt", connection);
        command.Parameters.AddWithValue("id", jobId);
        var rows = new List<(int Epoch, int Attempt)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt32(0), reader.GetInt32(1)));
        }

        return rows;
    }

    /// <summary>A job's progress rows counted per (attempt, epoch): a count above 1 is an epoch stored twice by one attempt.</summary>
    public async Task<List<(int Attempt, int Epoch, long Rows)>> ProgressRowsAsync(long jobId)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT attempt, epoch, count(*) FROM job_metrics WHERE job_id = @id GROUP BY attempt, epoch ORDER BY attempt, epoch", connection);
        command.Parameters.AddWithValue("id", jobId);
        var rows = new List<(int, int, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetInt64(2)));
        }

        return rows;
    }

    public string Logs => string.Join(Environment.NewLine, workers.Select(w => w.Log));

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in workers)
        {
            await worker.DisposeAsync();
        }

        if (Coordinator is not null)
        {
            await Coordinator.DisposeAsync();
        }

        if (ownsDatabase)
        {
            await TestPostgresServer.DropDatabaseAsync(ConnectionString);
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A trainer killed mid-write may still hold a file for a moment; the temp folder is harmless.
        }
    }

    /// <summary>A tiny CPU job (tiny CNN + small transformer at 32 px) over <paramref name="seeds"/> seeds.</summary>
    public static string Spec(string name, int seeds, int epochs, int images = 48, string dataset = "{format: synthetic, synthetic_images: IMAGES, captions_per_image: 2}")
    {
        var seedList = string.Join(", ", Enumerable.Range(0, seeds));
        return $$"""
            name: {{name}}
            dataset: {{dataset.Replace("IMAGES", images.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)}}
            encoders: [tiny_cnn]
            seeds: [{{seedList}}]
            max_attempts: 3
            parameters: {text_encoder: small-transformer, pretrained: false, loss: infonce, image_size: 32, batch_size: 16, epochs: {{epochs}},
                         head_lr: 1e-3, image_encoder_lr: 1e-3, text_encoder_lr: 1e-3, num_workers: 1, max_length: 12,
                         text_layers: 1, text_width: 32, text_heads: 2, projection_dim: 32}
            """;
    }

}
