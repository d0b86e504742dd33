using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Api.Boundary;
using Orchestrator.Coordinator.EarlyStopping;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Protos;
using Orchestrator.Shared.Specs;
using Stored = Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Api;

/// <summary>
/// The client-facing service: submit, inspect, cancel, retry and watch sweeps; list jobs and workers. Ids are
/// positive: zero or a negative id where one is required is INVALID_ARGUMENT naming the field; a positive id of
/// nothing is NOT_FOUND.
/// </summary>
public sealed class SweepApi(
    SweepStore sweeps, JobStore jobs, WorkerStore workers, JobStopsQuery stops, TimeProvider time, IOptions<QueueOptions> options, IOptions<LimitsOptions> limits)
    : SweepService.SweepServiceBase
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    public override async Task<SubmitSweepResponse> SubmitSweep(SubmitSweepRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var problems = Problems();
        ParsedSweep parsed;
        SubmitOutcome outcome;
        try
        {
            parsed = SweepSpecParser.Parse(request.Spec, limits.Value.SpecLimits(options.Value.MaxJobsPerSweep));
            // A tpe sweep whose first trial cannot be planned is refused here too, its transaction rolled back.
            outcome = await sweeps.InsertAsync(parsed, request.CreateNew, context.CancellationToken);
        }
        catch (SpecValidationException exception)
        {
            foreach (var problem in exception.Problems)
            {
                problems.Add(problem.Path, problem.Message);
            }

            throw problems.ToException($"the spec has {exception.Problems.Count} problem(s):");
        }

        if (outcome.AlreadyExisted)
        {
            throw new ExistingSweep(outcome.SweepId, parsed.Spec.Name).ToRefusal();
        }

        return new SubmitSweepResponse { SweepId = outcome.SweepId, JobCount = outcome.JobCount };
    }

    public override async Task<Sweep> GetSweep(GetSweepRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireSweepId(request.SweepId);
        var found = await GetExistingAsync(request.SweepId, context.CancellationToken);
        var sweep = ProtoConversions.ToProto(found);
        sweep.Rungs.AddRange((await stops.RungsAsync(found.Sweep.Id, found.Sweep.Spec, context.CancellationToken)).Select(ProtoConversions.ToProto));
        return sweep;
    }

    public override async Task<ListSweepsResponse> ListSweeps(ListSweepsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var limit = PageSize(request.PageSize);
        var page = await sweeps.ListAsync(PageToken(request.PageToken), limit, context.CancellationToken);
        var (items, cut) = ResponsePage.Fill(page.Select(ProtoConversions.ToProto), limits.Value.MaxResponsePageBytes);
        var response = new ListSweepsResponse { NextPageToken = cut || page.Count == limit ? NextToken(items[^1].Id) : "" };
        response.Sweeps.AddRange(items);
        return response;
    }

    public override async Task<CancelSweepResponse> CancelSweep(CancelSweepRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireSweepId(request.SweepId);
        var outcome = await sweeps.CancelAsync(request.SweepId, context.CancellationToken) ?? throw SweepNotFound(request.SweepId);
        return new CancelSweepResponse { CancelledJobs = outcome.Cancelled, CancelRequestedJobs = outcome.CancelRequested };
    }

    public override async Task<RetrySweepResponse> RetrySweep(RetrySweepRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireSweepId(request.SweepId);
        var outcome = await sweeps.RetryAsync(request.SweepId, request.FailedOnly, context.CancellationToken) ?? throw SweepNotFound(request.SweepId);
        return new RetrySweepResponse
        {
            RequeuedJobs = outcome.Requeued,
            RequeuedFailed = outcome.Failed,
            RequeuedLeaseLost = outcome.LeaseLost,
            RequeuedCancelled = outcome.Cancelled,
            CancelledLeft = outcome.CancelledLeft,
        };
    }

    public override async Task WatchSweep(WatchSweepRequest request, IServerStreamWriter<JobStateChange> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        RequireSweepId(request.SweepId);
        var after = WatchPosition.Parse(request.ResumeToken)
            ?? throw Refusal("resume_token", "is not one this service issued: pass the resume_token of the last change received, or none to start over");
        await GetExistingAsync(request.SweepId, cancellationToken);
        while (true)
        {
            // Read the sweep's state before its events, so the last events of a sweep that just ended are still sent.
            var sweep = await GetExistingAsync(request.SweepId, cancellationToken);
            var over = sweep.Sweep.State != Stored.SweepState.Active
                && !sweep.Counts.ContainsKey(Stored.JobState.Queued) && !sweep.Counts.ContainsKey(Stored.JobState.Running);
            await foreach (var change in sweeps.ChangesAsync(request.SweepId, after, over, cancellationToken))
            {
                after = change.Position;
                var message = ProtoConversions.ToProto(change);
                message.ResumeToken = after.ToToken();
                await responseStream.WriteAsync(message, cancellationToken);
            }

            if (over)
            {
                return;
            }

            await Task.Delay(options.Value.WatchPollInterval, time, cancellationToken);
        }
    }

    public override async Task<ListJobsResponse> ListJobs(ListJobsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (request.SweepId < 0)
        {
            throw Refusal("sweep_id", $"must be a positive sweep id, or 0 for every sweep; not {request.SweepId}");
        }

        if (!System.Enum.IsDefined(request.State))
        {
            throw Refusal("state", $"{(int)request.State} is not a job state; use one of {string.Join(", ", System.Enum.GetNames<JobState>())}");
        }

        var limit = PageSize(request.PageSize);
        var after = PageToken(request.PageToken) ?? 0;
        if (request.SweepId != 0)
        {
            await GetExistingAsync(request.SweepId, context.CancellationToken);
        }

        var page = await jobs.ListAsync(request.SweepId == 0 ? null : request.SweepId, ProtoConversions.FromProto(request.State),
            after, limit, context.CancellationToken);
        var (items, cut) = ResponsePage.Fill(page.Select(ProtoConversions.ToProto), limits.Value.MaxResponsePageBytes);
        var response = new ListJobsResponse { NextPageToken = cut || page.Count == limit ? NextToken(items[^1].Id) : "" };
        response.Jobs.AddRange(items);
        return response;
    }

    public override async Task<JobDetail> GetJob(GetJobRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        if (request.JobId <= 0)
        {
            throw Refusal("job_id", $"must be a positive job id, not {request.JobId}");
        }

        var job = await jobs.GetAsync(request.JobId, cancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"job {request.JobId} does not exist"));
        var detail = new JobDetail { Job = ProtoConversions.ToProto(job) };
        // Newest first into the budget, so a job that reported very often still answers with its latest state.
        var (newest, total) = await jobs.ProgressAsync(job.Id, limits.Value.MaxProgressPointsInJobDetail, cancellationToken);
        var (kept, _) = ResponsePage.Fill(newest.Reverse().Select(ProtoConversions.ToProto), limits.Value.MaxResponsePageBytes);
        detail.Progress.AddRange(Enumerable.Reverse(kept));
        detail.ProgressOmitted = total - kept.Count;
        detail.History.AddRange((await jobs.EventsAsync(job.Id, cancellationToken)).Select(ProtoConversions.ToProto));
        return detail;
    }

    public override async Task<ListWorkersResponse> ListWorkers(ListWorkersRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var limit = PageSize(request.PageSize);
        var page = await workers.ListAsync(WorkerPageToken(request.PageToken), limit, context.CancellationToken);
        var (items, cut) = ResponsePage.Fill(page.Select(ProtoConversions.ToProto), limits.Value.MaxResponsePageBytes);
        var response = new ListWorkersResponse { NextPageToken = cut || page.Count == limit ? items[^1].Id : "" };
        response.Workers.AddRange(items);
        return response;
    }

    private async Task<SweepWithCounts> GetExistingAsync(long sweepId, CancellationToken cancellationToken) =>
        await sweeps.GetAsync(sweepId, cancellationToken) ?? throw SweepNotFound(sweepId);

    private static RpcException SweepNotFound(long sweepId) =>
        new(new Status(StatusCode.NotFound, $"sweep {sweepId} does not exist; `orch status` (ListSweeps) lists the sweeps there are"));

    private RequestProblems Problems() => new(limits.Value.MaxProblemsInMessage);

    private static RpcException Refusal(string field, string message)
    {
        var problems = new RequestProblems();
        problems.Add(field, message);
        return problems.ToException();
    }

    private static void RequireSweepId(long sweepId)
    {
        if (sweepId <= 0)
        {
            throw Refusal("sweep_id", $"must be a positive sweep id, not {sweepId}");
        }
    }

    private static int PageSize(int requested) => requested switch
    {
        < 0 => throw Refusal("page_size", "must not be negative (0 means the default)"),
        0 => DefaultPageSize,
        _ => Math.Min(requested, MaxPageSize),
    };

    private static long? PageToken(string token) =>
        token.Length == 0 ? null
        : long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && NextToken(id) == token ? id // TryParse ignores trailing NULs
        : throw PageTokenRefusal();

    /// <summary>A worker page resumes after a worker id: 32 lower-case hex digits, as RegisterWorker issues them.</summary>
    private static string? WorkerPageToken(string token) =>
        token.Length == 0 ? null
        : token.Length == 32 && token.All(char.IsAsciiHexDigitLower) ? token
        : throw PageTokenRefusal();

    private static RpcException PageTokenRefusal() =>
        Refusal("page_token", "is not one this service issued: pass the next_page_token of the previous page, or none for the first");

    private static string NextToken(long lastId) => lastId.ToString(CultureInfo.InvariantCulture);
}
