using System.Globalization;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Monitoring;
using Prometheus;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// The agent's Prometheus instruments, in a registry of its own (what <see cref="AgentMetricsServer"/> serves when
/// the agent is given a metrics port; recorded either way, at the cost of a few counters). Labels are the slot's
/// index and device, so their number is the number of slots. Names from <see cref="PrometheusNames"/>.
/// </summary>
public sealed class AgentMetrics
{
    private readonly Gauge slotBusy;
    private readonly Counter trainersStarted;
    private readonly Counter trainerRestarts;
    private readonly Counter epochsRelayed;
    private readonly Gauge imagesPerSecond;
    private readonly Gauge gpuMemoryTotal;

    public AgentMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        string[] slot = [PrometheusNames.SlotLabel];
        slotBusy = factory.CreateGauge(PrometheusNames.SlotBusy, "1 while the slot runs a job, 0 while it waits for one.",
            new GaugeConfiguration { LabelNames = [PrometheusNames.SlotLabel, PrometheusNames.DeviceLabel] });
        trainersStarted = factory.CreateCounter(PrometheusNames.TrainersStarted, "Trainer processes started.", new CounterConfiguration { LabelNames = slot });
        trainerRestarts = factory.CreateCounter(PrometheusNames.TrainerRestarts,
            "Trainers started again from the checkpoint an earlier attempt left.", new CounterConfiguration { LabelNames = slot });
        epochsRelayed = factory.CreateCounter(PrometheusNames.EpochsRelayed, "Epoch reports relayed to a coordinator and accepted.", new CounterConfiguration { LabelNames = slot });
        imagesPerSecond = factory.CreateGauge(PrometheusNames.TrainImagesPerSecond,
            "Training images per second of the slot's trainer (its latest step report); 0 while idle.", new GaugeConfiguration { LabelNames = slot });
        gpuMemoryTotal = factory.CreateGauge(PrometheusNames.GpuMemoryTotal, "Memory of the slot's GPU as nvidia-smi reported it, bytes.",
            new GaugeConfiguration { LabelNames = slot });
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Every slot's series at zero (idle, nothing started), and the GPU memory of the CUDA slots whose memory is known.</summary>
    public void SlotsPlanned(IEnumerable<Slot> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        foreach (var slot in slots)
        {
            var label = Label(slot);
            slotBusy.WithLabels(label, slot.Device).Set(0);
            trainersStarted.WithLabels(label).IncTo(0);
            trainerRestarts.WithLabels(label).IncTo(0);
            epochsRelayed.WithLabels(label).IncTo(0);
            imagesPerSecond.WithLabels(label).Set(0);
            if (slot.IsCuda && slot.MemoryBytes > 0)
            {
                gpuMemoryTotal.WithLabels(label).Set(slot.MemoryBytes);
            }
        }
    }

    /// <summary>The slot took a job (true) or finished with it (false: idle again, no throughput).</summary>
    public void SlotBusy(Slot slot, bool busy)
    {
        ArgumentNullException.ThrowIfNull(slot);
        slotBusy.WithLabels(Label(slot), slot.Device).Set(busy ? 1 : 0);
        if (!busy)
        {
            imagesPerSecond.WithLabels(Label(slot)).Set(0);
        }
    }

    /// <param name="slot">where</param>
    /// <param name="resumed">whether it starts from a checkpoint an earlier attempt left (a restart of the job's training)</param>
    public void TrainerStarted(Slot slot, bool resumed)
    {
        ArgumentNullException.ThrowIfNull(slot);
        trainersStarted.WithLabels(Label(slot)).Inc();
        if (resumed)
        {
            trainerRestarts.WithLabels(Label(slot)).Inc();
        }
    }

    public void EpochRelayed(Slot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        epochsRelayed.WithLabels(Label(slot)).Inc();
    }

    /// <summary>The throughput a trainer reported (a step or epoch line's train_images_per_s); lines without one change nothing.</summary>
    public void Progress(Slot slot, IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(values);
        if (values.TryGetValue(MetricCatalog.TrainImagesPerSecond.Key, out var rate) && double.IsFinite(rate) && rate >= 0)
        {
            imagesPerSecond.WithLabels(Label(slot)).Set(rate);
        }
    }

    private static string Label(Slot slot) => slot.Index.ToString(CultureInfo.InvariantCulture);
}
