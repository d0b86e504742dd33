using System.Globalization;
using Orchestrator.Shared.Metrics;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Commands;

/// <summary>One progress line per record: epoch, step, loss and images/s while training; the epoch summary after.</summary>
public sealed class ConsoleProgressSink(TextWriter output) : IMetricsSink
{
    public void Report(MetricRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        double V(Metric metric) => record.Values[metric.Key];
        var line = record.Kind == MetricRecord.StepKind
            ? $"epoch {record.Epoch} step {record.Step}/{V(MetricCatalog.StepsInEpoch):0} loss {V(MetricCatalog.TrainLoss):0.0000} images/s {V(MetricCatalog.TrainImagesPerSecond):0.0}"
            : $"epoch {record.Epoch} done: train loss {V(MetricCatalog.TrainLoss):0.0000} val loss {V(MetricCatalog.ValLoss):0.0000} " +
              $"t2i R@1/5/10 {V(MetricCatalog.TextToImageR1):P1}/{V(MetricCatalog.TextToImageR5):P1}/{V(MetricCatalog.TextToImageR10):P1} " +
              $"i2t R@1/5/10 {V(MetricCatalog.ImageToTextR1):P1}/{V(MetricCatalog.ImageToTextR5):P1}/{V(MetricCatalog.ImageToTextR10):P1} " +
              $"train {V(MetricCatalog.TrainTime):0.0}s val {V(MetricCatalog.ValTime):0.0}s head lr {V(MetricCatalog.HeadLearningRate):G3}";
        output.WriteLine(line.ToString(CultureInfo.InvariantCulture));
    }
}
