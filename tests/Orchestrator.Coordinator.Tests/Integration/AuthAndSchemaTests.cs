using Dapper;
using Grpc.Core;
using Grpc.Health.V1;
using Npgsql;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>Bearer-token roles on both services, the open health service, and the schema migrations.</summary>
public sealed class AuthAndSchemaTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    [Fact]
    public async Task Calls_without_a_valid_token_or_with_the_other_roles_token_are_refused()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var anonymous = new SweepService.SweepServiceClient(host.Connect(null));
        var forged = new SweepService.SweepServiceClient(host.Connect("not-a-token"));
        var workerOnClient = new SweepService.SweepServiceClient(host.Connect(TestCoordinator.WorkerToken));
        var clientOnWorker = new WorkerService.WorkerServiceClient(host.Connect(TestCoordinator.ClientToken));
        var forgedWorker = new WorkerService.WorkerServiceClient(host.Connect("not-a-token"));
        var submit = new SubmitSweepRequest { Spec = "name: s\ndataset: {format: synthetic}\nencoders: [resnet18]\n" };

        Assert.Equal(StatusCode.Unauthenticated, await TestCoordinator.CodeOfAsync(async () => await anonymous.ListSweepsAsync(new ListSweepsRequest())));
        Assert.Equal(StatusCode.Unauthenticated, await TestCoordinator.CodeOfAsync(async () => await forged.SubmitSweepAsync(submit)));
        Assert.Equal(StatusCode.Unauthenticated, await TestCoordinator.CodeOfAsync(async () => await forgedWorker.RegisterWorkerAsync(new RegisterWorkerRequest { Name = "w" })));
        Assert.Equal(StatusCode.PermissionDenied, await TestCoordinator.CodeOfAsync(async () => await workerOnClient.SubmitSweepAsync(submit)));
        Assert.Equal(StatusCode.PermissionDenied, await TestCoordinator.CodeOfAsync(async () => await workerOnClient.CancelSweepAsync(new CancelSweepRequest { SweepId = 1 })));
        Assert.Equal(StatusCode.PermissionDenied, await TestCoordinator.CodeOfAsync(async () => await clientOnWorker.RegisterWorkerAsync(new RegisterWorkerRequest { Name = "w" })));
        Assert.Equal(0L, await TestCoordinator.ScalarAsync<long>(database.ConnectionString, "SELECT count(*) FROM sweeps"));
        Assert.Equal(0L, await TestCoordinator.ScalarAsync<long>(database.ConnectionString, "SELECT count(*) FROM workers"));

        var health = new Health.HealthClient(host.Connect(null));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new HealthCheckRequest { Service = CoordinatorHealth.LivenessService })).Status);
    }

    [Fact]
    public async Task While_its_database_refuses_connections_a_coordinator_is_not_ready_but_alive()
    {
        var fresh = await TestPostgresServer.CreateDatabaseAsync("health");
        try
        {
            await using var host = await TestCoordinator.StartAsync(fresh);
            var health = new Health.HealthClient(host.Connect(null));
            var name = new NpgsqlConnectionStringBuilder(fresh).Database;
            await using (var admin = new NpgsqlConnection(await TestPostgresServer.GetAdminConnectionStringAsync()))
            {
                await admin.ExecuteAsync($"ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false");
                await admin.ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @name", new { name });
            }

            var ready = await health.CheckAsync(new HealthCheckRequest { Service = CoordinatorHealth.ReadinessService });
            var alive = await health.CheckAsync(new HealthCheckRequest { Service = CoordinatorHealth.LivenessService });

            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, ready.Status);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, alive.Status);
        }
        finally
        {
            await TestPostgresServer.DropDatabaseAsync(fresh);
        }
    }

    [Fact]
    public async Task Migrations_apply_once_even_when_coordinators_start_together()
    {
        var fresh = await TestPostgresServer.CreateDatabaseAsync("migrate");
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(fresh);
            var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => new SchemaMigrator(dataSource).MigrateAsync()));

            Assert.Equal(SchemaMigrator.Known.Select(m => m.Version), runs.SelectMany(r => r).Order());
            Assert.Equal((long)SchemaMigrator.Known.Count, await TestCoordinator.ScalarAsync<long>(fresh, "SELECT count(*) FROM schema_version"));
        }
        finally
        {
            await TestPostgresServer.DropDatabaseAsync(fresh);
        }
    }

    [Fact]
    public async Task A_coordinator_refuses_to_start_on_a_newer_schema()
    {
        var fresh = await TestPostgresServer.CreateDatabaseAsync("newer");
        try
        {
            await using (var dataSource = NpgsqlDataSource.Create(fresh))
            {
                await new SchemaMigrator(dataSource).MigrateAsync();
            }

            await using (var connection = new NpgsqlConnection(fresh))
            {
                await connection.ExecuteAsync("INSERT INTO schema_version (version, name) VALUES (@v, 'from the future')", new { v = SchemaMigrator.LatestVersion + 1 });
            }

            var refused = await Assert.ThrowsAsync<SchemaTooNewException>(async () =>
            {
                await using var host = await TestCoordinator.StartAsync(fresh);
            });
            Assert.Equal(SchemaMigrator.LatestVersion + 1, refused.DatabaseVersion);
        }
        finally
        {
            await TestPostgresServer.DropDatabaseAsync(fresh);
        }
    }

    [Fact]
    public async Task Without_a_connection_string_the_coordinator_runs_an_embedded_postgres_in_the_given_directory()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"orch-embedded-{Guid.NewGuid():N}");
        try
        {
            await using (var host = await CoordinatorHost.StartAsync(new Dictionary<string, string?>
            {
                ["Coordinator:Database:EmbeddedDataDirectory"] = directory,
                ["Coordinator:Auth:WorkerToken"] = TestCoordinator.WorkerToken,
                ["Coordinator:Auth:ClientToken"] = TestCoordinator.ClientToken,
                ["Coordinator:Scheduler:Enabled"] = "false",
            }))
            {
                var submitted = await host.Sweeps().SubmitSweepAsync(new SubmitSweepRequest { Spec = "name: s\ndataset: {format: synthetic}\nencoders: [resnet18, resnet50]\n" });
                Assert.Equal(2, submitted.JobCount);
            }

            Assert.True(File.Exists(Path.Combine(directory, "PG_VERSION")));
        }
        finally
        {
            Orchestrator.LocalPostgres.LocalPostgresCluster.ForceStop(directory);
            Directory.Delete(directory, recursive: true);
        }
    }
}
