using System.Globalization;

namespace Orchestrator.Coordinator.Results;

/// <summary>
/// Which figures a sweep has, the same for `orch results --plots` and the dashboard: retrieval against each cost axis
/// with the Pareto front, the loss curves of the whole sweep, and those of each encoder. A loss figure draws at most
/// <see cref="MaxCurves"/> jobs, so a sweep of 10,000 jobs costs no more to draw than one of ten and its legend stays
/// readable; its title says how many of how many are drawn.
/// </summary>
public static class SweepPlots
{
    /// <summary>Curves one loss figure draws: as many as the palette has colours, so no two jobs share one.</summary>
    public const int MaxCurves = 10;

    /// <summary>The sweep's loss figure: the first job of each encoder in turn (<see cref="Overview"/>).</summary>
    public const string LossName = "loss";

    /// <summary>What every loss figure draws, the CLI's and the dashboard's (a job's, compared jobs'): its title's tail.</summary>
    public const string LossTitle = "train (solid) and validation (dashed) loss";

    public static string CostPlotName(ResultTable table, string costKey)
    {
        ArgumentNullException.ThrowIfNull(table);
        return $"{table.RankBy}-vs-{costKey}";
    }

    public static string EncoderLossName(string encoder) => $"{LossName}-{encoder}";

    /// <summary>A loss figure needs the curves, the others the results table: the dashboard reads only what one needs.</summary>
    public static bool IsLossPlot(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name == LossName || name.StartsWith(LossName + "-", StringComparison.Ordinal);
    }

    public static IReadOnlyList<SweepPlot> CostPlots(ResultTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.CostAxes
            .Select(cost => new SweepPlot(CostPlotName(table, cost), $"{table.RankBy} vs {cost}", format => ResultPlots.RetrievalVersusCost(table, cost, format)))
            .ToList();
    }

    /// <summary>The sweep's loss figure and one per encoder, from the curves in job order (as <see cref="LossCurvesQuery"/> returns them).</summary>
    public static IReadOnlyList<SweepPlot> LossPlots(IReadOnlyList<LossCurve> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        return [.. PlanLossPlots([.. curves.Select(EncoderOf)]).Select(plan => Draw(plan, [.. plan.Drawn.Select(i => curves[i])]))];
    }

    /// <summary>
    /// Which jobs each loss figure draws, from the encoder of each job with a curve in job order: positions in that
    /// list. The dashboard plans from a list of jobs and reads the curves of only the ones drawn; the CLI, which has
    /// every curve, plans the same way from them (<see cref="LossPlots"/>), so both draw the same figures.
    /// </summary>
    public static IReadOnlyList<LossPlotPlan> PlanLossPlots(IReadOnlyList<string> encoders)
    {
        ArgumentNullException.ThrowIfNull(encoders);
        var byEncoder = encoders.Select((encoder, index) => (Encoder: FirstWord(encoder), Index: index)).GroupBy(p => p.Encoder)
            .Select(g => (g.Key, Indices: g.Select(p => p.Index).ToList())).ToList();
        var plans = new List<LossPlotPlan> { Plan(LossName, LossTitle, Overview(byEncoder.Select(g => g.Indices).ToList()), encoders.Count, "the first of each encoder in turn") };
        plans.AddRange(byEncoder.Select(g => Plan(EncoderLossName(g.Key), $"{g.Key}: {LossTitle}", [.. g.Indices.Take(MaxCurves)], g.Indices.Count, "the first by job id")));
        return plans;
    }

    /// <summary>The figure of a plan with its curves (those at <see cref="LossPlotPlan.Drawn"/>, in that order).</summary>
    public static SweepPlot Draw(LossPlotPlan plan, IReadOnlyList<LossCurve> drawn)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new SweepPlot(plan.Name, plan.Title, format => ResultPlots.LossCurves(drawn, plan.Title, format));
    }

    /// <summary>
    /// What the sweep's loss figure shows, for a caption written without reading the curves: how many jobs it draws of
    /// the <paramref name="jobsWithCurves"/> that reported a loss, and which.
    /// </summary>
    public static string LossCaption(long jobsWithCurves) =>
        jobsWithCurves <= MaxCurves
            ? string.Create(CultureInfo.InvariantCulture, $"Train (solid) and validation (dashed) loss per epoch of every job that reported one ({jobsWithCurves}).")
            : string.Create(CultureInfo.InvariantCulture,
                $"Train (solid) and validation (dashed) loss per epoch of {MaxCurves} of the {jobsWithCurves} jobs that reported one: the lowest job id of each encoder in turn, at most {MaxCurves} curves so each has its own colour. The per-encoder figures draw the first {MaxCurves} jobs of each encoder.");

    /// <summary>The encoder of a curve: the first word of its label ("resnet18 seed 0 (job 7)").</summary>
    public static string EncoderOf(LossCurve curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        return FirstWord(curve.Label);
    }

    private static string FirstWord(string text) => text.Split(' ')[0];

    /// <summary>Up to <see cref="MaxCurves"/> positions, taking each encoder's next job in turn, so every encoder is seen; in job order.</summary>
    private static List<int> Overview(List<List<int>> byEncoder)
    {
        var queues = byEncoder.Select(indices => new Queue<int>(indices)).ToList();
        var picked = new List<int>();
        while (picked.Count < MaxCurves && queues.Any(q => q.Count > 0))
        {
            foreach (var queue in queues.Where(q => q.Count > 0 && picked.Count < MaxCurves))
            {
                picked.Add(queue.Dequeue());
            }
        }

        // Back in job order, so the colours follow the job ids as in the per-encoder figures.
        picked.Sort();
        return picked;
    }

    private static LossPlotPlan Plan(string name, string title, List<int> drawn, int total, string which) =>
        new(name, drawn.Count == total ? title : string.Create(CultureInfo.InvariantCulture, $"{title} ({drawn.Count} of {total} jobs: {which})"), drawn);
}

/// <summary>A loss figure to draw: its name, its title, and the positions of its jobs in the sweep's jobs with a curve.</summary>
public sealed record LossPlotPlan(string Name, string Title, IReadOnlyList<int> Drawn);
