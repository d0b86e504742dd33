using System.Globalization;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Npgsql;
using Orchestrator.LocalPostgres;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Integration.Tests.Hostile;

/// <summary>
/// Class fixture: one `orch serve` process on its own database for the whole catalogue, with a registered worker
/// and a sweep whose only job is leased on its second attempt (the first one failed retryably), so lease cases can
/// name a live lease and a stale one. Counts of stored rows are taken after that setup.
/// </summary>
public sealed class HostileCoordinator : IAsyncLifetime
{
    private const string SetupSpec = "name: hostile-setup\ndataset: {format: synthetic}\nencoders: [tiny_cnn]\nmax_attempts: 5\nparameters:\n  epochs: 2\n";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private string root = string.Empty;
    private GrpcChannel? channel;

    public string ConnectionString { get; private set; } = string.Empty;

    public Uri Address { get; private set; } = null!;

    public LoggedProcess Process { get; private set; } = null!;

    /// <summary>The coordinator's process id right after it started serving.</summary>
    public int StartedPid { get; private set; }

    public RawCall Calls { get; private set; } = null!;

    /// <summary>The values the data files name as `${…}`: worker_id, sweep_id, job_id, attempt, stale_attempt.</summary>
    public IReadOnlyDictionary<string, string> Live { get; private set; } = new Dictionary<string, string>();

    /// <summary>Stored sweeps, jobs and workers after the setup.</summary>
    public StoredCounts CountsAfterSetup { get; private set; } = null!;

    /// <summary>The leased job as it stood after the setup: state, attempt and lease owner.</summary>
    public string LeaseAfterSetup { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgresServer.CreateDatabaseAsync("hostile");
        root = Directory.CreateTempSubdirectory("orch-hostile-").FullName;
        Address = new Uri($"http://127.0.0.1:{LoopbackPort.PickFree()}");
        var settings = AgentTestBed.CoordinatorSettings(ConnectionString, leaseDuration: TimeSpan.FromMinutes(30));
        // The setup's worker never heartbeats: keep it online and its lease current for the whole run.
        settings["Coordinator:Queue:HeartbeatInterval"] = "00:05:00";
        Process = CoordinatorProcess.Start("hostile-coordinator", Address, settings, root);
        await CoordinatorProcess.WaitUntilServingAsync(Address, Process, StartTimeout);
        StartedPid = Process.Id;
        channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        Calls = new RawCall(channel, AgentTestBed.WorkerToken, AgentTestBed.ClientToken);
        await SetUpLeaseAsync(channel);
        CountsAfterSetup = await CountAsync();
        LeaseAfterSetup = await LeaseStateAsync();
    }

    public async Task DisposeAsync()
    {
        channel?.Dispose();
        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        if (ConnectionString.Length > 0)
        {
            await TestPostgresServer.DropDatabaseAsync(ConnectionString);
        }

        if (root.Length > 0)
        {
            Directory.Delete(root, recursive: true);
        }
    }

    public async Task<StoredCounts> CountAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT (SELECT count(*) FROM sweeps), (SELECT count(*) FROM jobs), (SELECT count(*) FROM workers)", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new StoredCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    public async Task<string> LeaseStateAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT state::text || ' attempt ' || attempt || ' leased to ' || coalesce(lease_owner, '-') FROM jobs WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", long.Parse(Live["job_id"], CultureInfo.InvariantCulture));
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The coordinator's peak resident memory so far (VmHWM), in bytes.</summary>
    public long PeakRssBytes()
    {
        var line = File.ReadLines($"/proc/{Process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture) * 1024;
    }

    public async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync()
    {
        var answer = await new Health.HealthClient(channel!).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
        return answer.Status;
    }

    private async Task SetUpLeaseAsync(GrpcChannel grpc)
    {
        var asWorker = new Metadata { { "authorization", $"Bearer {AgentTestBed.WorkerToken}" } };
        var asClient = new Metadata { { "authorization", $"Bearer {AgentTestBed.ClientToken}" } };
        var workers = new WorkerService.WorkerServiceClient(grpc);
        var sweeps = new SweepService.SweepServiceClient(grpc);
        var worker = (await workers.RegisterWorkerAsync(new RegisterWorkerRequest { Name = "hostile-setup", Host = "localhost", Version = "1" }, asWorker)).WorkerId;
        var sweep = (await sweeps.SubmitSweepAsync(new SubmitSweepRequest { Spec = SetupSpec, CreateNew = true }, asClient)).SweepId;
        var first = await LeaseAsync(workers, worker, asWorker);
        await workers.FailJobAsync(new FailJobRequest
        {
            Lease = new Protos.LeaseToken { JobId = first.JobId, Attempt = first.Attempt, WorkerId = worker },
            Error = "catalogue setup: a retryable failure, so that this attempt is stale",
            Retryable = true,
        }, asWorker);
        var current = await LeaseAsync(workers, worker, asWorker);
        Assert.Equal(first.JobId, current.JobId);
        Assert.True(current.Attempt > first.Attempt, $"the second lease is a later attempt ({first.Attempt} then {current.Attempt})");
        Live = new Dictionary<string, string>
        {
            ["worker_id"] = worker,
            ["sweep_id"] = sweep.ToString(CultureInfo.InvariantCulture),
            ["job_id"] = current.JobId.ToString(CultureInfo.InvariantCulture),
            ["attempt"] = current.Attempt.ToString(CultureInfo.InvariantCulture),
            ["stale_attempt"] = first.Attempt.ToString(CultureInfo.InvariantCulture),
        };
    }

    private static async Task<LeasedJob> LeaseAsync(WorkerService.WorkerServiceClient workers, string worker, Metadata headers)
    {
        for (var tries = 0; tries < 20; tries++)
        {
            var answer = await workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = worker, Wait = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) }, headers);
            if (answer.Job is not null)
            {
                return answer.Job;
            }
        }

        throw new InvalidOperationException("the setup's job was not leased within 20 s");
    }
}

/// <summary>Rows of the three tables the catalogue must leave alone.</summary>
public sealed record StoredCounts(long Sweeps, long Jobs, long Workers);
