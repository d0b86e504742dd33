using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Api.Boundary;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Monitoring;
using Orchestrator.Coordinator.Queue;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Protos;
using Orchestrator.Shared.Monitoring;

namespace Orchestrator.Coordinator.Api;

/// <summary>
/// The worker-facing service. Every field is checked before the database is asked (INVALID_ARGUMENT naming it);
/// every job call is fenced by its lease token; a stale one is FAILED_PRECONDITION.
/// </summary>
public sealed class WorkerApi(
    WorkerStore workers,
    JobStore jobs,
    JobDispatcher dispatcher,
    CoordinatorMetrics metrics,
    IOptions<QueueOptions> options,
    IOptions<LimitsOptions> limitsOptions,
    ILogger<WorkerApi> logger)
    : WorkerService.WorkerServiceBase
{
    private readonly LimitsOptions limits = limitsOptions.Value;

    public override async Task<RegisterWorkerResponse> RegisterWorker(RegisterWorkerRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var problems = Problems();
        TextField.Check(problems, "name", request.Name, limits.MaxNameLength);
        TextField.Check(problems, "host", request.Host, limits.MaxNameLength, required: false);
        TextField.Check(problems, "version", request.Version, limits.MaxNameLength, required: false);
        CheckDevices(problems, request.Devices);
        if (request.PreviousWorkerId.Length > 0)
        {
            TextField.CheckWorkerId(problems, "previous_worker_id", request.PreviousWorkerId, limits.MaxWorkerIdLength);
        }

        problems.ThrowIfAny();

        var devices = JsonSerializer.Serialize(request.Devices.Select(d => new { name = d.Name, kind = d.Kind, memory_bytes = d.MemoryBytes }));
        var id = await workers.RegisterAsync(request.Name, request.Host, devices, request.Version, context.CancellationToken);
        if (request.PreviousWorkerId.Length > 0)
        {
            var lost = await jobs.LoseLeasesOfRestartedWorkerAsync(request.PreviousWorkerId, request.Name, request.Host, context.CancellationToken);
            await jobs.TopUpAfterAsync(lost, context.CancellationToken);
            metrics.AttemptsEnded(FailureClasses.WorkerRestarted, lost.Select(l => l.State));
            if (lost.Count > 0)
            {
                logger.LogInformation("Worker {Previous} restarted as {Worker}: its {Count} lease(s) lost at once, jobs {Jobs}",
                    request.PreviousWorkerId, id, lost.Count, string.Join(", ", lost.Select(l => $"{l.Id} → {Shared.States.StateLabels.Label(l.State)}")));
            }
        }

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
        var problems = Problems();
        TextField.CheckWorkerId(problems, "worker_id", request.WorkerId, limits.MaxWorkerIdLength);
        var wait = DurationField.NonNegative(problems, "wait", request.Wait);
        problems.ThrowIfAny();

        try
        {
            var job = await dispatcher.LeaseAsync(request.WorkerId, wait!.Value, context.CancellationToken);
            if (job is null)
            {
                return new LeaseJobResponse();
            }

            metrics.Leased(job.Waited);
            return new LeaseJobResponse { Job = ProtoConversions.ToProto(job) };
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
        var problems = Problems();
        var lease = ToLease(problems, request.Lease);
        problems.ThrowIfAny();
        var beat = await jobs.HeartbeatAsync(lease, context.CancellationToken) ?? throw await RefusalAsync(lease, context);
        metrics.Heartbeat();
        return new HeartbeatResponse { CancelRequested = beat.CancelRequested, LeaseExpiresAt = ProtoConversions.ToTimestamp(beat.LeaseExpiresAt) };
    }

    public override async Task<ReportProgressResponse> ReportProgress(ReportProgressRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var problems = Problems();
        var lease = ToLease(problems, request.Lease);
        if (request.Epoch < 0)
        {
            problems.Add("epoch", $"must not be negative, not {request.Epoch}");
        }

        if (request.Step < 0)
        {
            problems.Add("step", $"must not be negative, not {request.Step}");
        }

        if (request.ProducedByAttempt < 0 || (request.Lease is not null && request.ProducedByAttempt > request.Lease.Attempt))
        {
            problems.Add("produced_by_attempt", $"must be 0 (this lease's attempt) or an attempt from 1 to the lease's {request.Lease?.Attempt}, not {request.ProducedByAttempt}");
        }

        var values = ReportedMetrics.ToJson(problems, "metrics", request.Metrics, limits);
        problems.ThrowIfAny();

        // The epoch's upper bound is the job's own epochs: checked in the recording statement, explained on refusal.
        var answer = await jobs.ReportProgressAsync(lease, request.Epoch, request.Step, values, request.ProducedByAttempt, context.CancellationToken)
            ?? throw await RefusalAsync(lease, context, request.Epoch);
        metrics.EpochReported();
        if (answer.Stopped is { } stop)
        {
            metrics.JobStopped(stop.Rule);
            logger.LogInformation("Job {Job} attempt {Attempt} stopped early: {Reason}", lease.JobId, lease.Attempt, stop.Reason);
        }

        return new ReportProgressResponse { CancelRequested = answer.CancelRequested, Stopped = answer.Stopped is not null, StopReason = answer.Stopped?.Reason ?? "" };
    }

    public override async Task<CompleteJobResponse> CompleteJob(CompleteJobRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var problems = Problems();
        var lease = ToLease(problems, request.Lease);
        var result = ReportedMetrics.ToJson(problems, "metrics", request.Metrics, limits);
        problems.ThrowIfAny();
        var held = await jobs.CompleteAsync(lease, result, context.CancellationToken) ?? throw await RefusalAsync(lease, context);
        metrics.Completed(held);
        return new CompleteJobResponse();
    }

    public override async Task<FailJobResponse> FailJob(FailJobRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var problems = Problems();
        var lease = ToLease(problems, request.Lease);
        if (string.IsNullOrWhiteSpace(request.Error))
        {
            problems.Add("error", "is required: say why the job failed");
        }

        problems.ThrowIfAny();
        var error = ErrorText.Clean(request.Error, limits.MaxErrorTextLength);
        var state = await jobs.FailAsync(lease, error, request.Retryable, context.CancellationToken)
            ?? throw await RefusalAsync(lease, context);
        metrics.AttemptsEnded(request.Retryable ? FailureClasses.Retryable : FailureClasses.Permanent, [state]);
        return new FailJobResponse { State = ProtoConversions.ToProto(state) };
    }

    public override async Task<ReleaseJobResponse> ReleaseJob(ReleaseJobRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var problems = Problems();
        var lease = ToLease(problems, request.Lease);
        problems.ThrowIfAny();

        // The reason is free text like an error (not stored yet): any text is accepted, so nothing to check.
        _ = await jobs.ReleaseAsync(lease, context.CancellationToken) ?? throw await RefusalAsync(lease, context);
        return new ReleaseJobResponse();
    }

    private RequestProblems Problems() => new(limits.MaxProblemsInMessage);

    private void CheckDevices(RequestProblems problems, Google.Protobuf.Collections.RepeatedField<Device> devices)
    {
        if (devices.Count > limits.MaxDevicesPerWorker)
        {
            problems.Add("devices", $"{devices.Count} devices; at most {limits.MaxDevicesPerWorker} are allowed");
            return;
        }

        for (var i = 0; i < devices.Count; i++)
        {
            TextField.Check(problems, $"devices[{i}].name", devices[i].Name, limits.MaxNameLength);
            TextField.Check(problems, $"devices[{i}].kind", devices[i].Kind, limits.MaxNameLength, required: false);
            if (devices[i].MemoryBytes < 0)
            {
                problems.Add($"devices[{i}].memory_bytes", $"must not be negative, not {devices[i].MemoryBytes}");
            }
        }
    }

    /// <summary>The lease a call names; problems name lease.job_id, lease.attempt or lease.worker_id.</summary>
    private JobLease ToLease(RequestProblems problems, Protos.LeaseToken? token)
    {
        if (token is null)
        {
            problems.Add("lease", "is required: (job_id, attempt, worker_id) as LeaseJob returned them");
            return new JobLease(0, 0, "");
        }

        if (token.JobId <= 0)
        {
            problems.Add("lease.job_id", $"must be a positive job id, not {token.JobId}");
        }

        if (token.Attempt <= 0)
        {
            problems.Add("lease.attempt", $"must be a positive attempt number, not {token.Attempt}");
        }

        TextField.CheckWorkerId(problems, "lease.worker_id", token.WorkerId, limits.MaxWorkerIdLength);
        return new JobLease(token.JobId, token.Attempt, token.WorkerId);
    }

    /// <summary>
    /// Why a fenced call changed nothing: no such job, the caller's lease is no longer the current one, or (progress
    /// only) the current lease reported an epoch beyond the job's epochs.
    /// </summary>
    private async Task<RpcException> RefusalAsync(JobLease lease, ServerCallContext context, int? epoch = null)
    {
        var job = await jobs.DescribeAsync(lease.JobId, context.CancellationToken);
        if (job is null)
        {
            return new RpcException(new Status(StatusCode.NotFound, $"job {lease.JobId} does not exist"));
        }

        var current = job.State == Shared.States.JobState.Running && job.Attempt == lease.Attempt && job.LeaseOwner == lease.WorkerId;
        return current && epoch > job.Epochs
            ? new RpcException(new Status(StatusCode.InvalidArgument, $"epoch: {epoch} is beyond the job's {job.Epochs} epochs; epochs are 0 to {job.Epochs}"))
            : new RpcException(new Status(StatusCode.FailedPrecondition,
                $"lease of job {lease.JobId} attempt {lease.Attempt} by worker {lease.WorkerId} is not current: " +
                $"the job is {job.StateLabel} on attempt {job.Attempt}" + (job.LeaseOwner is null ? "" : $" leased to {job.LeaseOwner}")));
    }
}
