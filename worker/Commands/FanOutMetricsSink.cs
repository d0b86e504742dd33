using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Commands;

/// <summary>Hands every record to several sinks.</summary>
public sealed class FanOutMetricsSink(params IMetricsSink[] sinks) : IMetricsSink
{
    public void Report(MetricRecord record)
    {
        foreach (var sink in sinks)
        {
            sink.Report(record);
        }
    }
}
