using System.Text.Json.Serialization;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// A sweep's `early_stopping:` block, validated and with its defaults filled in: the coordinator stops jobs whose
/// reported <see cref="Metric"/> falls behind (ASHA at its rungs, Hyperband's brackets of ASHA, or the median of
/// completed jobs). Keys that
/// belong to the other type are null and not written, so the canonical JSON is itself a valid block.
/// </summary>
public sealed record EarlyStoppingSpec
{
    public const string Asha = "asha";
    public const string Median = "median";
    public const string Hyperband = "hyperband";
    public const string Together = "together";
    public const string Separately = "separately";

    /// <summary>The rules that stop jobs, as job_stops.rule and the stop counter's label spell them.</summary>
    public static readonly IReadOnlyList<string> Rules = [Asha, Median, Hyperband];

    /// <summary><see cref="Asha"/>, <see cref="Hyperband"/> or <see cref="Median"/>.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>A metric of the catalogue; its direction (lower or higher is better) comes from there.</summary>
    [JsonPropertyName("metric")]
    public string Metric { get; init; } = "val_loss";

    /// <summary>
    /// <see cref="Together"/>: the jobs of one configuration that differ only in seed are judged on their mean;
    /// <see cref="Separately"/>: each job alone.
    /// </summary>
    [JsonPropertyName("judge_seeds")]
    public string JudgeSeeds { get; init; } = Together;

    /// <summary>ASHA and Hyperband: the first rung (its minimum resource, in epochs; Hyperband's most aggressive bracket's).</summary>
    [JsonPropertyName("grace")]
    public int? Grace { get; init; }

    /// <summary>ASHA and Hyperband: the reduction factor; rungs lie at grace·eta^k epochs and one job in eta passes each.</summary>
    [JsonPropertyName("eta")]
    public int? Eta { get; init; }

    /// <summary>ASHA and Hyperband: the maximum resource; rungs lie below it (a job that reaches it is not judged again).</summary>
    [JsonPropertyName("max_epochs")]
    public int? MaxEpochs { get; init; }

    /// <summary>Hyperband: drawn into the hash that assigns each job (or configuration) its bracket; another seed, another draw.</summary>
    [JsonPropertyName("seed")]
    public int? Seed { get; init; }

    /// <summary>Median: epochs a job trains before it is judged.</summary>
    [JsonPropertyName("min_epochs")]
    public int? MinEpochs { get; init; }

    /// <summary>Median: completed jobs needed at an epoch before a median of them judges anyone.</summary>
    [JsonPropertyName("min_completed")]
    public int? MinCompleted { get; init; }

    /// <summary>
    /// ASHA's rungs: grace·eta^k epochs for k = 0, 1, … below <see cref="MaxEpochs"/>; for Hyperband the union of its
    /// brackets' rungs, which is the same list (bracket s starts at grace·eta^s); none for median.
    /// </summary>
    public IReadOnlyList<int> Rungs()
    {
        if (Type is not (Asha or Hyperband) || Grace is not { } grace || Eta is not { } eta || MaxEpochs is not { } max)
        {
            return [];
        }

        var rungs = new List<int>();
        for (long rung = grace; rung < max; rung *= eta)
        {
            rungs.Add((int)rung);
        }

        return rungs;
    }
}
