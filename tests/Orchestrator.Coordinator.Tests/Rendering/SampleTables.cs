using Orchestrator.Coordinator.Results;

namespace Orchestrator.Coordinator.Tests.Rendering;

/// <summary>Small hand-made tables with known values.</summary>
internal static class SampleTables
{
    public static ResultRow Row(string encoder, double r1, double latency, double parameters, int done = 3, int jobs = 3, double? std = 0.5) => new()
    {
        Group = new Dictionary<string, string> { ["encoder"] = encoder },
        Jobs = jobs,
        Succeeded = done,
        Failed = jobs - done,
        Seeds = done,
        Best = new BestJob(encoder.Length, r1 + 1),
        Metrics = new Dictionary<string, MetricSummary>
        {
            ["t2i_r1"] = new(r1, std, r1 - 1, r1 + 1, done),
            ["latency_ms_b1"] = new(latency, 0.1, latency - 0.1, latency + 0.1, done),
            ["params_total"] = new(parameters, null, parameters, parameters, done),
            ["val_loss"] = new(1.5, 0.01, 1.49, 1.51, done),
        },
    };

    /// <summary>resnet50 slow and best, mobilenet fast and decent, googlenet dominated by mobilenet, efficientnet incomplete.</summary>
    public static ResultTable FourEncoders() => ParetoFront.Mark(new ResultTable
    {
        Title = "sweep \"demo\", by encoder",
        GroupBy = ["encoder"],
        Rows =
        [
            Row("resnet50", 40, 30, 25_557_032),
            Row("mobilenet_v2", 30, 8, 3_504_872),
            Row("googlenet", 25, 12, 6_624_904),
            Row("efficientnet_b0", 35, 15, 5_288_548, done: 2),
        ],
    });
}
