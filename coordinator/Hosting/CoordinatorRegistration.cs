using Dapper;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Api;
using Orchestrator.Coordinator.Api.Boundary;
using Orchestrator.Coordinator.Auth;
using Orchestrator.Coordinator.EarlyStopping;
using Orchestrator.Coordinator.Monitoring;
using Orchestrator.Coordinator.Queue;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Scheduling;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Coordinator.Web;
using Quartz;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>Service registration and endpoint mapping of the coordinator host, kept out of Program.cs.</summary>
public static class CoordinatorRegistration
{
    public static IServiceCollection AddCoordinator(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        // Rows use PascalCase properties for snake_case columns.
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        services.AddSingleton(TimeProvider.System);
        services.AddOptions<DatabaseOptions>()
            .Configure(o => o.ConnectionString ??= configuration.GetConnectionString(DatabaseOptions.ConnectionStringName))
            .Bind(configuration.GetSection("Coordinator:Database"));
        services.AddOptions<QueueOptions>().Bind(configuration.GetSection(QueueOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QueueOptions>, QueueOptionsValidator>();
        services.AddOptions<SchedulerOptions>().Bind(configuration.GetSection(SchedulerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SchedulerOptions>, SchedulerOptionsValidator>();
        services.AddOptions<LimitsOptions>().Bind(configuration.GetSection(LimitsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section));
        services.AddSingleton<AcceptedTokens>();

        services.AddSingleton(sp => CoordinatorDatabase.Open(
            sp.GetRequiredService<IOptions<DatabaseOptions>>(), sp.GetRequiredService<ILogger<CoordinatorDatabase>>()));
        services.AddSingleton(sp => sp.GetRequiredService<CoordinatorDatabase>().CreateDataSource());
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<TrialStore>();
        services.AddSingleton<SweepStore>();
        services.AddSingleton<WorkerStore>();
        services.AddSingleton<LeaseNotifier>();
        services.AddSingleton<JobDispatcher>();
        services.AddTransient<LeaseRescuer>();
        services.AddTransient<WorkerLiveness>();
        services.AddTransient<SweepCompletion>();
        services.AddSingleton<ResultsQuery>();
        services.AddSingleton<LossCurvesQuery>();
        services.AddSingleton<JobStopsQuery>();
        services.AddCoordinatorMetrics(configuration);
        services.AddDashboard();

        // Start order matters: the schema first, then the listener, then the scheduled jobs.
        services.AddHostedService<SchemaMigrationService>();
        services.AddHostedService(sp => sp.GetRequiredService<LeaseNotifier>());
        services.AddScheduledJobs(configuration);

        // The boundary interceptor is global, so it wraps every service and the token check too: no call ends UNKNOWN.
        // Services and interceptors found in the container are reused; otherwise gRPC builds them afresh for every
        // call. Neither keeps anything of a call, and every dependency they take is a singleton.
        services.AddSingleton<UnexpectedErrors>();
        services.AddSingleton<RpcBoundaryInterceptor>();
        services.AddSingleton<WorkerApi>();
        services.AddGrpc(o =>
            {
                o.EnableDetailedErrors = false;
                o.Interceptors.Add<RpcBoundaryInterceptor>();
            })
            .AddServiceOptions<WorkerApi>(o => o.Interceptors.Add<BearerTokenInterceptor>(CallerRole.Worker))
            .AddServiceOptions<SweepApi>(o => o.Interceptors.Add<BearerTokenInterceptor>(CallerRole.Client))
            .AddServiceOptions<ResultsApi>(o => o.Interceptors.Add<BearerTokenInterceptor>(CallerRole.Client));
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<LimitsOptions>>(
            (grpc, limits) => grpc.MaxReceiveMessageSize = limits.Value.MaxReceiveMessageBytes);
        services.AddGrpcHealthChecks(o => o.Services.Map(CoordinatorHealth.LivenessService, check => check.Tags.Contains(CoordinatorHealth.LivenessService)))
            .AddCheck("process", () => HealthCheckResult.Healthy(), [CoordinatorHealth.LivenessService])
            .AddCheck<DatabaseHealthCheck>("database");
        services.AddGrpcReflection();

        // Grpc.AspNetCore's binder, but with requests that fail to decode refused as INVALID_ARGUMENT, not UNKNOWN.
        services.RemoveAll(typeof(IServiceMethodProvider<>));
        services.AddSingleton(typeof(IServiceMethodProvider<>), typeof(DecodeCheckedMethodProvider<>));
        return services;
    }

    public static WebApplication MapCoordinator(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Resolve the tokens now, so a generated one is logged at start-up rather than at the first call.
        _ = app.Services.GetRequiredService<AcceptedTokens>();
        app.MapGrpcService<WorkerApi>();
        app.MapGrpcService<SweepApi>();
        app.MapGrpcService<ResultsApi>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapCoordinatorMetrics();
        app.MapDashboard();
        return app;
    }

    private static void AddScheduledJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var scheduler = configuration.GetSection(SchedulerOptions.Section).Get<SchedulerOptions>() ?? new SchedulerOptions();
        if (!scheduler.Enabled)
        {
            return;
        }

        services.AddQuartz(q =>
        {
            // Scheduler names are process-wide in Quartz; each host (tests run two) needs its own. The store is
            // in memory per coordinator: the statements themselves are safe when several coordinators run them.
            q.ConfigureScheduler(s => s.InstanceName = $"coordinator-{Guid.NewGuid():N}");
            q.UseInMemoryStore();
            Every<LeaseRescuer>(q, scheduler.LeaseRescuerInterval);
            Every<WorkerLiveness>(q, scheduler.WorkerLivenessInterval);
            Every<SweepCompletion>(q, scheduler.SweepCompletionInterval);
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
    }

    private static void Every<TJob>(IQuartzBuilder quartz, TimeSpan interval)
        where TJob : IJob =>
        quartz.ScheduleJob<TJob>(trigger => trigger
            .WithIdentity(typeof(TJob).Name)
            .StartNow()
            .WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever()));
}
