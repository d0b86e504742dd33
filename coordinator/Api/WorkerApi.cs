using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Queue;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Protos;

namespace Orchestrator.Coordinator.Api;

/// <summary>The worker-facing service. Every job call is fenced by its lease token; a stale one is FAILED_PRECONDITION.</summary>
public sealed class WorkerApi(WorkerStore workers, JobStore jobs, JobDispatcher dispatcher, IOptions<QueueOptions> options)
    : WorkerService.WorkerServiceBase
{
    public override async Task<RegisterWorkerResponse> RegisterWorker(RegisterWorkerRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "name is required"));
        }

        var devices = JsonSerializer.Serialize(request.Devices.Select(d => new { name = d.Name, kind = d.Kind, memory_bytes = d.MemoryBytes }));
        var id = await workers.RegisterAsync(request.Name, request.Host, devices, request.Version, context.CancellationToken);
        return new RegisterWorkerResponse
        {
            WorkerId = id,
            HeartbeatInterval = Duration.FromTimeSpan(options.Value.HeartbeatInterval),
            LeaseDuration = Duration.FromTimeSpan(options.Value.LeaseDuration),
        };
    }

    public override async Task<LeaseJobResponse> LeaseJob(LeaseJobRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(request.WorkerId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "worker_id is required"));
        }

        var wait = request.Wait?.ToTimeSpan() ?? TimeSpan.Zero;
        if (wait < TimeSpan.Zero)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "wait must not be negative"));
        }

        try
        {
            var job = await dispatcher.LeaseAsync(request.WorkerId, wait, context.CancellationToken);
            return job is null ? new LeaseJobResponse() : new LeaseJobResponse { Job = ProtoConversions.ToProto(job) };
        }
        catch (UnknownWorkerException exception)
        {
            throw new RpcException(new Status(StatusCode.NotFound, exception.Message));
        }
    }

    public override async Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var lease = ToLease(request.Lease);
        var beat = await jobs.HeartbeatAsync(lease, context.CancellationToken) ?? throw await RefusalAsync(lease, context);
        return new HeartbeatResponse { CancelRequested = beat.CancelRequested, LeaseExpiresAt = ProtoConversions.ToTimestamp(beat.LeaseExpiresAt) };
    }

    public override async Task<ReportProgressResponse> ReportProgress(ReportProgressRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var lease = ToLease(request.Lease);
        var metrics = ProtoConversions.MetricsToJson(request.Metrics);
        var cancelRequested = await jobs.ReportProgressAsync(lease, request.Epoch, request.Step, metrics, context.CancellationToken)
            ?? throw await RefusalAsync(lease, context);
        return new ReportProgressResponse { CancelRequested = cancelRequested };
    }

    public override async Task<CompleteJobResponse> CompleteJob(CompleteJobRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var lease = ToLease(request.Lease);
        var result = ProtoConversions.MetricsToJson(request.Metrics);
        if (!await jobs.CompleteAsync(lease, result, context.CancellationToken))
        {
            throw await RefusalAsync(lease, context);
        }

        return new CompleteJobResponse();
    }

    public override async Task<FailJobResponse> FailJob(FailJobRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var lease = ToLease(request.Lease);
        if (string.IsNullOrWhiteSpace(request.Error))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "error is required: say why the job failed"));
        }

        var state = await jobs.FailAsync(lease, request.Error, request.Retryable, context.CancellationToken)
            ?? throw await RefusalAsync(lease, context);
        return new FailJobResponse { State = ProtoConversions.ToProto(state) };
    }

    public override async Task<ReleaseJobResponse> ReleaseJob(ReleaseJobRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var lease = ToLease(request.Lease);
        _ = await jobs.ReleaseAsync(lease, context.CancellationToken) ?? throw await RefusalAsync(lease, context);
        return new ReleaseJobResponse();
    }

    private static JobLease ToLease(Protos.LeaseToken? token)
    {
        if (token is null || token.JobId <= 0 || token.Attempt <= 0 || string.IsNullOrWhiteSpace(token.WorkerId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "lease (job_id, attempt, worker_id) is required"));
        }

        return new JobLease(token.JobId, token.Attempt, token.WorkerId);
    }

    /// <summary>Why a fenced call changed nothing: no such job, or the caller's lease is no longer the current one.</summary>
    private async Task<RpcException> RefusalAsync(JobLease lease, ServerCallContext context)
    {
        var job = await jobs.DescribeAsync(lease.JobId, context.CancellationToken);
        return job is null
            ? new RpcException(new Status(StatusCode.NotFound, $"job {lease.JobId} does not exist"))
            : new RpcException(new Status(StatusCode.FailedPrecondition,
                $"lease of job {lease.JobId} attempt {lease.Attempt} by worker {lease.WorkerId} is not current: " +
                $"the job is {job.StateLabel} on attempt {job.Attempt}" + (job.LeaseOwner is null ? "" : $" leased to {job.LeaseOwner}")));
    }
}
