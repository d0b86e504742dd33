using System.Text.Json;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Protos;
using Stored = Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Api;

/// <summary>Between store rows (states, UTC DateTime, JSON text) and the wire messages.</summary>
public static class ProtoConversions
{
    public static JobState ToProto(Stored.JobState state) => state switch
    {
        Stored.JobState.Queued => JobState.Queued,
        Stored.JobState.Running => JobState.Running,
        Stored.JobState.Succeeded => JobState.Succeeded,
        Stored.JobState.Failed => JobState.Failed,
        Stored.JobState.Cancelled => JobState.Cancelled,
        Stored.JobState.LeaseLost => JobState.LeaseLost,
        Stored.JobState.Stopped => JobState.Stopped,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    /// <summary>The state a request names; null for unspecified, which filters nothing.</summary>
    public static Stored.JobState? FromProto(JobState state) => state switch
    {
        JobState.Unspecified => null,
        JobState.Queued => Stored.JobState.Queued,
        JobState.Running => Stored.JobState.Running,
        JobState.Succeeded => Stored.JobState.Succeeded,
        JobState.Failed => Stored.JobState.Failed,
        JobState.Cancelled => Stored.JobState.Cancelled,
        JobState.LeaseLost => Stored.JobState.LeaseLost,
        JobState.Stopped => Stored.JobState.Stopped,
        _ => throw new RpcException(new Status(StatusCode.InvalidArgument, $"unknown job state {state}")),
    };

    public static SweepState ToProto(Stored.SweepState state) => state switch
    {
        Stored.SweepState.Active => SweepState.Active,
        Stored.SweepState.Cancelled => SweepState.Cancelled,
        Stored.SweepState.Finished => SweepState.Finished,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static Timestamp? ToTimestamp(DateTime? utc) =>
        utc is null ? null : Timestamp.FromDateTime(DateTime.SpecifyKind(utc.Value, DateTimeKind.Utc));

    public static void AddMetrics(MapField<string, double> target, string? json)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (json is not null)
        {
            target.Add(JsonSerializer.Deserialize<Dictionary<string, double>>(json) ?? []);
        }
    }

    public static Job ToProto(JobRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var job = new Job
        {
            Id = row.Id,
            SweepId = row.SweepId,
            JobKey = row.JobKey,
            Encoder = row.Encoder,
            ParametersJson = row.Params,
            State = ToProto(row.State),
            Attempt = row.Attempt,
            MaxAttempts = row.MaxAttempts,
            Priority = row.Priority,
            LeaseOwner = row.LeaseOwner ?? "",
            LeaseExpiresAt = ToTimestamp(row.LeaseExpiresAt),
            CreatedAt = ToTimestamp(row.CreatedAt),
            StartedAt = ToTimestamp(row.StartedAt),
            FinishedAt = ToTimestamp(row.FinishedAt),
            Error = row.Error ?? "",
            CancelRequested = row.CancelRequested,
            StopReason = row.StopReason ?? "",
        };
        AddMetrics(job.Result, row.Result);
        return job;
    }

    public static JobStateChange ToProto(JobEventRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new JobStateChange
        {
            EventId = row.Id,
            JobId = row.JobId,
            Attempt = row.Attempt,
            State = ToProto(row.State),
            At = ToTimestamp(row.RecordedAt),
        };
    }

    public static ProgressPoint ToProto(MetricsRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var point = new ProgressPoint { Attempt = row.Attempt, Epoch = row.Epoch, Step = row.Step, RecordedAt = ToTimestamp(row.RecordedAt) };
        AddMetrics(point.Metrics, row.Metrics);
        return point;
    }

    public static Sweep ToProto(SweepWithCounts sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var (row, counts) = (sweep.Sweep, sweep.Counts);
        int Count(Stored.JobState state) => counts.TryGetValue(state, out var n) ? n : 0;
        return new Sweep
        {
            Id = row.Id,
            Name = row.Name,
            State = ToProto(row.State),
            CreatedAt = ToTimestamp(row.CreatedAt),
            FinishedAt = ToTimestamp(row.FinishedAt),
            JobCount = row.JobCount,
            SpecJson = row.Spec,
            EpochsTrained = row.EpochsTrained,
            EpochsPlanned = row.EpochsPlanned,
            TrialCount = row.TrialCount ?? 0,
            TrialsCreated = row.TrialsCreated,
            Counts = new SweepCounts
            {
                Queued = Count(Stored.JobState.Queued),
                Running = Count(Stored.JobState.Running),
                Succeeded = Count(Stored.JobState.Succeeded),
                Failed = Count(Stored.JobState.Failed),
                Cancelled = Count(Stored.JobState.Cancelled),
                LeaseLost = Count(Stored.JobState.LeaseLost),
                Stopped = Count(Stored.JobState.Stopped),
            },
        };
    }

    public static Protos.SweepRung ToProto(EarlyStopping.SweepRung rung)
    {
        ArgumentNullException.ThrowIfNull(rung);
        var message = new Protos.SweepRung { Epoch = rung.Epoch, Reached = rung.Reached, Stopped = rung.Stopped };
        if (rung.MinCut is { } min && rung.MaxCut is { } max)
        {
            (message.MinCut, message.MaxCut) = (min, max);
        }

        return message;
    }

    public static Worker ToProto(WorkerRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new Worker
        {
            Id = row.Id,
            Name = row.Name,
            Host = row.Host,
            DevicesJson = row.Devices,
            Version = row.Version,
            State = row.State == "online" ? WorkerState.Online : WorkerState.Offline,
            RegisteredAt = ToTimestamp(row.RegisteredAt),
            LastSeenAt = ToTimestamp(row.LastSeenAt),
            RunningJobs = (int)row.RunningJobs,
        };
    }

    public static LeasedJob ToProto(ClaimedJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new LeasedJob
        {
            JobId = job.Id,
            Attempt = job.Attempt,
            SweepId = job.SweepId,
            JobKey = job.JobKey,
            Encoder = job.Encoder,
            ParametersJson = job.Params,
            DatasetJson = job.Dataset,
            MaxAttempts = job.MaxAttempts,
            LeaseExpiresAt = ToTimestamp(job.LeaseExpiresAt),
        };
    }
}
