using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Coordinator.Api;
using Orchestrator.Coordinator.Api.Boundary;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Integration;

/// <summary>
/// The coordinator binds every service through its own method provider (requests that fail to decode are
/// INVALID_ARGUMENT): unary, server-streaming and duplex methods of its own and of the health and reflection services
/// still answer, as a client that discovers them by reflection (grpcurl, an independent client) expects. The worker
/// service and the boundary interceptor come from the container, built once rather than for every call.
/// </summary>
public sealed class ServiceBindingTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    [Fact]
    public async Task Reflection_lists_every_service_and_health_answers_unary()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var reflection = new ServerReflection.ServerReflectionClient(host.Connect(token: null));

        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Contains(SweepService.Descriptor.FullName, services);
        Assert.Contains(WorkerService.Descriptor.FullName, services);
        Assert.Contains(ResultsService.Descriptor.FullName, services);
        Assert.Contains(Health.Descriptor.FullName, services);
        var health = await new Health.HealthClient(host.Connect(token: null)).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task The_worker_service_and_the_boundary_interceptor_are_built_once_and_answer_call_after_call()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var workers = host.Workers();

        // gRPC reuses what the container holds; anything else it builds anew for each call of the hot path.
        Assert.Same(host.Services.GetRequiredService<WorkerApi>(), host.Services.GetRequiredService<WorkerApi>());
        Assert.Same(host.Services.GetRequiredService<RpcBoundaryInterceptor>(), host.Services.GetRequiredService<RpcBoundaryInterceptor>());
        var first = await workers.RegisterAsync();
        var second = await workers.RegisterAsync();
        Assert.NotEqual(first, second);
        Assert.Null(await workers.LeaseNowAsync(first));
        Assert.Null(await workers.LeaseNowAsync(second));
    }
}
