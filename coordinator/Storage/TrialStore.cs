using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Orchestrator.Shared.Search;
using Orchestrator.Shared.Specs;
using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Storage;

/// <summary>
/// The trials of `method: tpe` sweeps: the coordinator creates them as earlier ones finish, each from a TPE suggestion
/// over the finished trials' results (<see cref="TpeTrialPlanner"/>), keeping fewer than `count` trials created and
/// fewer than `parallel` unfinished. Called when a trial's job ends (completed, failed for good, stopped, lease lost)
/// and when a lease call finds the queue empty, so a coordinator that died between the two still leaves nothing stuck.
/// <para>
/// Every creation happens under the sweep's row lock, the one early stopping judges under and that cancel, retry and
/// completion take, always before any job row: with the counts re-read under it, two coordinators on one database
/// never create a trial twice or one too many, a cancelled sweep gets no new trial, and completion never sees a sweep
/// between trials as done (<see cref="SweepStore"/> also waits for the last trial to exist).
/// </para>
/// <para>
/// What a finished trial is worth: the mean over its seeds' jobs of the sweep's objective (<see cref="SearchObjective"/>),
/// each job's final result, or for a stopped job its last reported epoch. A job that failed for good (failed,
/// lease_lost) or ended without the metric counts as not a number, which the sampler ranks below every result, so a
/// region that crashes is avoided rather than suggested again. A trial with a cancelled job (a person's decision,
/// not the configuration's fault) is left out. The points of unfinished trials, those created earlier in the same
/// top-up included, go to the sampler as pending: it counts them among the bad results (constant liar), so trials
/// that run side by side are not suggested on top of each other.
/// </para>
/// </summary>
public sealed class TrialStore(NpgsqlDataSource dataSource, TimeProvider time, ILogger<TrialStore> logger)
{
    // NO KEY UPDATE, as EarlyStoppingJudge.LockSweep: it serialises top-ups with each other, with the judges, and with
    // cancel, retry and completion (which take UPDATE), but not with inserts of jobs that reference the sweep.
    private const string LockSweep = """
        SELECT spec::text AS spec, trial_count, trial_parallel
        FROM sweeps WHERE id = @sweepId AND state = 'active' AND trial_count IS NOT NULL
        FOR NO KEY UPDATE
        """;

    // Each job with the objective's value: its result's, else (stopped) its last reported epoch's.
    private const string SelectTrialJobs = """
        SELECT j.trial, j.job_key, j.params::text AS params, j.state::text AS state_label,
               coalesce((j.result->>@metric)::float8,
                        (SELECT (m.metrics->>@metric)::float8 FROM job_metrics m
                         WHERE m.job_id = j.id AND m.metrics->>@metric IS NOT NULL ORDER BY m.epoch DESC LIMIT 1)) AS value
        FROM jobs j WHERE j.sweep_id = @sweepId AND j.trial IS NOT NULL
        ORDER BY j.trial, j.id
        """;

    // A trial that cannot be planned (the space holds no new runnable point) ends the sweep with the trials it has.
    private const string LowerTrialCount = """
        UPDATE sweeps SET trial_count = @created, trial_parallel = least(trial_parallel, @created), job_count = @jobCount WHERE id = @sweepId
        """;

    // Read without a lock, to find the sweeps worth locking; the lock re-reads all of it.
    private const string SelectWithRoom = """
        SELECT s.id FROM sweeps s
        WHERE s.state = 'active' AND s.trial_count IS NOT NULL
          AND (SELECT count(DISTINCT j.trial) FROM jobs j WHERE j.sweep_id = s.id) < s.trial_count
          AND (SELECT count(DISTINCT j.trial) FROM jobs j WHERE j.sweep_id = s.id AND j.state IN ('queued', 'running')) < s.trial_parallel
        ORDER BY s.id
        """;

    // A stored spec passed the limits of its submission; reading it back must not apply today's job limit to it.
    private static readonly SweepLimits StoredSpecLimits = new(int.MaxValue);

    /// <summary>
    /// Creates the trials the sweep has room for, in a transaction of its own; returns how many jobs it queued. A
    /// failure is logged, not thrown: the callers' own change (a job that ended) has committed and must not be
    /// reported to the worker as failed, and the next lease call that finds the queue empty tries again.
    /// </summary>
    public async Task<int> TopUpAsync(long sweepId, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var queued = await CreateTrialsAsync(connection, transaction, sweepId, time.GetUtcNow().UtcDateTime, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            if (queued > 0)
            {
                logger.LogInformation("Sweep {Sweep}: {Jobs} job(s) of new trials queued", sweepId, queued);
            }

            return queued;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "Sweep {Sweep}: its next trials could not be created; a lease call finding the queue empty tries again", sweepId);
            return 0;
        }
    }

    /// <summary>Tops up every active tpe sweep that has room for a trial; returns how many jobs it queued in all.</summary>
    public async Task<int> TopUpAllAsync(CancellationToken cancellationToken = default)
    {
        List<long> sweepIds;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            sweepIds = (await connection.QueryAsync<long>(new CommandDefinition(SelectWithRoom, cancellationToken: cancellationToken))).AsList();
        }

        var queued = 0;
        foreach (var sweepId in sweepIds)
        {
            queued += await TopUpAsync(sweepId, cancellationToken);
        }

        return queued;
    }

    /// <summary>
    /// Under the sweep's row lock, in the caller's transaction: creates the trials the sweep has room for, numbered on
    /// from the last, and queues their jobs; returns how many jobs. Nothing for a sweep that is not an active tpe sweep.
    /// Throws <see cref="SpecValidationException"/> when not even the first trial can be planned.
    /// </summary>
    internal static async Task<int> CreateTrialsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long sweepId, DateTime now, CancellationToken cancellationToken)
    {
        var sweep = await connection.QuerySingleOrDefaultAsync<LockedSweep>(new CommandDefinition(LockSweep, new { sweepId }, transaction, cancellationToken: cancellationToken));
        if (sweep is null)
        {
            return 0;
        }

        var spec = SweepSpecParser.ParseModelBased(sweep.Spec, StoredSpecLimits);
        var objective = SearchObjective.Of(spec);
        var jobs = (await connection.QueryAsync<TrialJobRow>(new CommandDefinition(SelectTrialJobs,
            new { sweepId, metric = objective.Metric }, transaction, cancellationToken: cancellationToken))).AsList();
        var trials = jobs.GroupBy(j => j.Trial).ToList();
        var unfinished = trials.Count(t => t.Any(j => j.State is JobState.Queued or JobState.Running));
        var room = Math.Min(sweep.TrialParallel - unfinished, sweep.TrialCount - trials.Count);
        if (room <= 0)
        {
            return 0;
        }

        var planner = new TpeTrialPlanner(spec, objective.Better);
        var observations = trials.Select(t => Observe(planner.Space, [.. t])).OfType<Observation>().ToList();
        var pending = trials.Where(t => t.Any(j => j.State is JobState.Queued or JobState.Running))
            .Select(t => planner.Space.PointOf(JsonNode.Parse(t.First().Params)!.AsObject())).ToList();
        var keys = jobs.Select(j => j.JobKey).ToHashSet(StringComparer.Ordinal);
        var planned = new List<(JobDefinition Job, int? Trial)>();
        var next = trials.Count == 0 ? 0 : trials[^1].Key + 1;
        for (var trial = next; trial < next + room; trial++)
        {
            TpeTrial suggested;
            try
            {
                suggested = planner.Plan(observations, pending, trial, keys);
            }
            catch (InvalidOperationException exception)
            {
                var created = trials.Count + planned.Select(p => p.Trial).Distinct().Count();
                if (created == 0)
                {
                    throw new SpecValidationException([new SpecProblem("parameters", exception.Message)]);
                }

                await connection.ExecuteAsync(new CommandDefinition(LowerTrialCount, new { sweepId, created, jobCount = created * spec.Seeds.Count }, transaction, cancellationToken: cancellationToken));
                break;
            }

            keys.UnionWith(suggested.Jobs.Select(j => j.JobKey));
            pending.Add(suggested.Point);
            planned.AddRange(suggested.Jobs.Select(j => (j, (int?)trial)));
        }

        return await SweepStore.InsertJobsAsync(connection, transaction, sweepId, spec, planned, now, cancellationToken);
    }

    /// <summary>A finished trial's point and value; null while a job of it is unfinished, or when one was cancelled.</summary>
    private static Observation? Observe(SearchSpace space, IReadOnlyList<TrialJobRow> trial)
    {
        if (trial.Any(j => j.State is JobState.Queued or JobState.Running or JobState.Cancelled))
        {
            return null;
        }

        var value = trial.Average(j => j.State is JobState.Succeeded or JobState.Stopped ? j.Value ?? double.NaN : double.NaN);
        return new Observation(space.PointOf(JsonNode.Parse(trial[0].Params)!.AsObject()), value);
    }

    private sealed class LockedSweep
    {
        public string Spec { get; init; } = "";

        public int TrialCount { get; init; }

        public int TrialParallel { get; init; }
    }

    private sealed class TrialJobRow
    {
        public int Trial { get; init; }

        public string JobKey { get; init; } = "";

        public string Params { get; init; } = "";

        public string StateLabel { get; init; } = "";

        public JobState State => StateLabels.ToJobState(StateLabel);

        public double? Value { get; init; }
    }
}
