using System.Globalization;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Protos;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>Starts coordinators for tests and seeds and reads their database directly.</summary>
internal static class TestCoordinator
{
    public const string WorkerToken = "test-worker-token";
    public const string ClientToken = "test-client-token";

    /// <summary>
    /// A coordinator on <paramref name="connectionString"/>; the Quartz jobs are off unless settings turn them on. It
    /// fails at dispose when any call ended in an unexpected error.
    /// </summary>
    public static async Task<CoordinatorHost> StartAsync(string connectionString, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Orchestrator"] = connectionString,
            ["Coordinator:Auth:WorkerToken"] = WorkerToken,
            ["Coordinator:Auth:ClientToken"] = ClientToken,
            ["Coordinator:Scheduler:Enabled"] = "false",
            ["Coordinator:Queue:RetryBackoffBase"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var host = await CoordinatorHost.StartAsync(all, services =>
        {
            if (time is not null)
            {
                services.Replace(ServiceDescriptor.Singleton(time));
            }
        });
        host.FailOnUnexpectedErrors = true; // any handler exception fails the test at dispose
        return host;
    }

    public static WorkerService.WorkerServiceClient Workers(this CoordinatorHost host) => new(host.Connect(WorkerToken));

    public static SweepService.SweepServiceClient Sweeps(this CoordinatorHost host) => new(host.Connect(ClientToken));

    public static async Task<string> RegisterAsync(this WorkerService.WorkerServiceClient workers, string name = "w")
    {
        var response = await workers.RegisterWorkerAsync(new RegisterWorkerRequest { Name = name, Host = "test", Version = "test" });
        return response.WorkerId;
    }

    /// <summary>Leases without waiting; null when nothing is queued.</summary>
    public static async Task<LeasedJob?> LeaseNowAsync(this WorkerService.WorkerServiceClient workers, string workerId) =>
        (await workers.LeaseJobAsync(new LeaseJobRequest { WorkerId = workerId, Wait = Duration.FromTimeSpan(TimeSpan.Zero) })).Job;

    public static Protos.LeaseToken Token(this LeasedJob job, string workerId) =>
        new() { JobId = job.JobId, Attempt = job.Attempt, WorkerId = workerId };

    /// <summary>
    /// A sweep of <paramref name="count"/> distinct jobs stored directly, bypassing the spec parser. Their
    /// <paramref name="epochs"/> bound the epochs a progress report may name.
    /// </summary>
    public static async Task<long> SeedSweepAsync(this CoordinatorHost host, int count, int maxAttempts = 3, string? name = null, int priority = 0, int epochs = 10)
    {
        var dataset = new DatasetSpec();
        var spec = new SweepSpec
        {
            Name = name ?? $"seeded-{Guid.NewGuid():N}",
            Dataset = dataset,
            Encoders = ["resnet18"],
            MaxAttempts = maxAttempts,
            Priority = priority,
        };
        var jobs = Enumerable.Range(0, count)
            .Select(i => new JobDefinition(new JobParameters { Encoder = "resnet18", Seed = i, Epochs = epochs }, dataset))
            .ToList();
        var outcome = await host.Services.GetRequiredService<SweepStore>().InsertAsync(new ParsedSweep(spec, jobs), createNew: true);
        return outcome.SweepId;
    }

    /// <summary>Empties the queue, for test classes whose tests share one database but must not see each other's jobs.</summary>
    public static async Task ClearAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync("TRUNCATE sweeps, jobs, job_metrics, job_events, workers RESTART IDENTITY CASCADE");
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException($"no value: {sql}");
    }

    public static async Task<List<T>> QueryAsync<T>(string connectionString, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.QueryAsync<T>(sql, parameters)).AsList();
    }

    /// <summary>Asserts that <paramref name="call"/> is refused with <paramref name="code"/> and a message naming <paramref name="field"/>.</summary>
    public static async Task<RpcException> RefusedAsync(Func<Task> call, StatusCode code, string field)
    {
        var exception = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(exception.StatusCode == code, $"expected {code} naming '{field}', got {exception.Status}");
        Assert.Contains(field, exception.Status.Detail, StringComparison.Ordinal);
        return exception;
    }

    public static async Task<long> CountAsync(string connectionString, string table) =>
        await ScalarAsync<long>(connectionString, $"SELECT count(*) FROM {table}");

    public static async Task<StatusCode> CodeOfAsync(Func<Task> call)
    {
        var exception = await Assert.ThrowsAsync<RpcException>(call);
        return exception.StatusCode;
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
