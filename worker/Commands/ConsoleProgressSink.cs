using System.Globalization;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Commands;

/// <summary>One progress line per record: epoch, step, loss and images/s while training; the epoch summary after.</summary>
public sealed class ConsoleProgressSink(TextWriter output) : IMetricsSink
{
    public void Report(MetricRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var v = record.Values;
        var line = record.Kind == MetricRecord.StepKind
            ? $"epoch {record.Epoch} step {record.Step}/{v["steps_in_epoch"]:0} loss {v["loss"]:0.0000} images/s {v["images_per_second"]:0.0}"
            : $"epoch {record.Epoch} done: train loss {v["train_loss"]:0.0000} val loss {v["val_loss"]:0.0000} " +
              $"t2i R@1/5/10 {v["t2i_r1"]:P1}/{v["t2i_r5"]:P1}/{v["t2i_r10"]:P1} i2t R@1/5/10 {v["i2t_r1"]:P1}/{v["i2t_r5"]:P1}/{v["i2t_r10"]:P1} " +
              $"train {v["train_seconds"]:0.0}s val {v["val_seconds"]:0.0}s head lr {v["lr_head"]:G3}";
        output.WriteLine(line.ToString(CultureInfo.InvariantCulture));
    }
}
