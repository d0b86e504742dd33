namespace Orchestrator.Worker.Engine.Training;

/// <summary>One report from a running job: a progress step or an epoch summary, as named values.</summary>
public sealed record MetricRecord(string Kind, int Epoch, long Step, IReadOnlyDictionary<string, double> Values)
{
    public const string StepKind = "step";
    public const string EpochKind = "epoch";
}

/// <summary>
/// Where a job's metrics go while it trains: a file and the console when run alone, the coordinator when the
/// worker agent runs it. The engine knows nothing of either.
/// </summary>
public interface IMetricsSink
{
    void Report(MetricRecord record);
}
