using Orchestrator.Protos;
using Library = Orchestrator.Coordinator.Results;

namespace Orchestrator.Coordinator.Api;

/// <summary>Between the results library's records and their gRPC messages, both ways (the CLI renders what it receives).</summary>
public static class ResultConversions
{
    public static ResultTable ToProto(Library.ResultTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var message = new ResultTable { Title = table.Title, RankBy = table.RankBy, IncludeStopped = table.IncludeStopped };
        message.GroupBy.AddRange(table.GroupBy);
        message.CostAxes.AddRange(table.CostAxes);
        foreach (var row in table.Rows)
        {
            var proto = new ResultRow
            {
                Jobs = row.Jobs,
                Succeeded = row.Succeeded,
                Failed = row.Failed,
                Stopped = row.Stopped,
                StoppedInMetrics = row.StoppedInMetrics,
                Seeds = row.Seeds,
                BestJobId = row.Best?.JobId ?? 0,
                BestValue = row.Best?.Value ?? 0,
                EpochsTrained = row.EpochsTrained,
                EpochsPlanned = row.EpochsPlanned,
            };
            if (row.TrainingSeconds is { } seconds)
            {
                proto.TrainingSeconds = seconds;
            }

            proto.GroupValues.AddRange(table.GroupBy.Select(g => row.Group[g]));
            proto.ParetoOn.AddRange(row.ParetoOn);
            foreach (var (key, summary) in row.Metrics)
            {
                var metric = new MetricSummary { Mean = summary.Mean, Min = summary.Min, Max = summary.Max, Count = summary.Count };
                if (summary.Std is { } std)
                {
                    metric.Std = std;
                }

                proto.Metrics[key] = metric;
            }

            message.Rows.Add(proto);
        }

        return message;
    }

    public static Library.ResultTable FromProto(ResultTable message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new Library.ResultTable
        {
            Title = message.Title,
            GroupBy = message.GroupBy.ToList(),
            RankBy = message.RankBy,
            CostAxes = message.CostAxes.ToList(),
            IncludeStopped = message.IncludeStopped,
            Rows = message.Rows.Select(row => new Library.ResultRow
            {
                Group = message.GroupBy.Zip(row.GroupValues).ToDictionary(p => p.First, p => p.Second),
                Jobs = row.Jobs,
                Succeeded = row.Succeeded,
                Failed = row.Failed,
                Stopped = row.Stopped,
                StoppedInMetrics = row.StoppedInMetrics,
                Seeds = row.Seeds,
                EpochsTrained = row.EpochsTrained,
                EpochsPlanned = row.EpochsPlanned,
                TrainingSeconds = row.HasTrainingSeconds ? row.TrainingSeconds : null,
                Best = row.BestJobId == 0 ? null : new Library.BestJob(row.BestJobId, row.BestValue),
                ParetoOn = row.ParetoOn.ToList(),
                Metrics = row.Metrics.ToDictionary(
                    m => m.Key,
                    m => new Library.MetricSummary(m.Value.Mean, m.Value.HasStd ? m.Value.Std : null, m.Value.Min, m.Value.Max, m.Value.Count)),
            }).ToList(),
        };
    }

    public static LossCurve ToProto(Library.LossCurve curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var message = new LossCurve { Label = curve.Label };
        message.Epochs.AddRange(curve.Epochs);
        message.Train.AddRange(curve.Train);
        message.Val.AddRange(curve.Val);
        return message;
    }

    public static Library.LossCurve FromProto(LossCurve message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new Library.LossCurve(message.Label, message.Epochs.ToList(), message.Train.ToList(), message.Val.ToList());
    }
}
