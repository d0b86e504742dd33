using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>
/// Caps on what one RPC may carry (section `Coordinator:Limits`). Anything over a cap is refused with
/// INVALID_ARGUMENT naming the field, except error texts and release reasons, which are kept truncated with a
/// marker: a failure's story should not be lost because it was long.
/// </summary>
public sealed class LimitsOptions
{
    public const string Section = "Coordinator:Limits";

    /// <summary>Largest request message the coordinator reads; a larger one is RESOURCE_EXHAUSTED before any handler runs.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Worker name, host, version, device name and kind, the loss-curve encoder filter (characters).</summary>
    public int MaxNameLength { get; set; } = 256;

    /// <summary>Worker ids (characters); issued ids are 32 hexadecimal digits.</summary>
    public int MaxWorkerIdLength { get; set; } = 64;

    /// <summary>Error texts of FailJob and reasons of ReleaseJob (characters); longer ones are truncated with a marker.</summary>
    public int MaxErrorTextLength { get; set; } = 16 * 1024;

    /// <summary>Devices one worker may register.</summary>
    public int MaxDevicesPerWorker { get; set; } = 64;

    /// <summary>Metrics in one ReportProgress or CompleteJob.</summary>
    public int MaxMetricsPerReport { get; set; } = 256;

    /// <summary>
    /// Largest magnitude of any reported metric (catalogue ranges are narrower where they say so): sums of many
    /// such values stay far from float8 overflow in the results aggregation.
    /// </summary>
    public double MaxMetricMagnitude { get; set; } = 1e12;

    /// <summary>Entries of one repeated request field: sweep_ids, group_by, cost_axes.</summary>
    public int MaxRepeatedEntries { get; set; } = 100;

    /// <summary>
    /// Encoded size a page of ListSweeps, ListJobs or ListWorkers stays within (beyond its first item): a page with
    /// large items holds fewer than page_size and says so with a next_page_token. Well under clients' 4 MiB limit.
    /// </summary>
    public int MaxResponsePageBytes { get; set; } = 1024 * 1024;

    /// <summary>Problems listed in a refusal's status message; all of them are in its BadRequest detail.</summary>
    public int MaxProblemsInMessage { get; set; } = 20;

    /// <summary>Newest progress points GetJob returns (and reads); earlier ones are counted in progress_omitted.</summary>
    public int MaxProgressPointsInJobDetail { get; set; } = 10_000;

    /// <summary>Largest sweep spec, in UTF-8 bytes of its text; checked before the YAML is read.</summary>
    public int MaxSpecBytes { get; set; } = SweepLimits.Default.MaxSpecBytes;

    /// <summary>Deepest nesting of mappings and lists in a spec (a spec needs 4).</summary>
    public int MaxYamlDepth { get; set; } = SweepLimits.Default.MaxYamlDepth;

    /// <summary>Alias references (`*name`) in a spec; they are never expanded, so an alias bomb costs nothing, but each is counted.</summary>
    public int MaxYamlAliases { get; set; } = SweepLimits.Default.MaxAliases;

    /// <summary>YAML nodes (scalars, lists, mappings, aliases) in a spec.</summary>
    public int MaxYamlNodes { get; set; } = SweepLimits.Default.MaxYamlNodes;

    /// <summary>Longest free text in a spec: description, dataset paths, pretrained weight paths (characters).</summary>
    public int MaxSpecTextLength { get; set; } = SweepLimits.Default.MaxTextLength;

    /// <summary>The spec parser's limits from these options and the queue's cap on jobs per sweep.</summary>
    public SweepLimits SpecLimits(int maxJobsPerSweep) => new(maxJobsPerSweep)
    {
        MaxSpecBytes = MaxSpecBytes,
        MaxYamlDepth = MaxYamlDepth,
        MaxAliases = MaxYamlAliases,
        MaxYamlNodes = MaxYamlNodes,
        MaxTextLength = MaxSpecTextLength,
    };
}
