using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// Writes one job back as a spec that expands to exactly that job (one encoder, one seed, one value per
/// parameter), so a leased job and a hand-written job file go through the same parser and give the same job key.
/// </summary>
public static class SingleJobSpec
{
    public static string ToJson(JobDefinition job, string name)
    {
        ArgumentNullException.ThrowIfNull(job);
        var parameters = JsonSerializer.SerializeToNode(job.Parameters)!.AsObject();
        var space = new JsonObject();
        foreach (var (key, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (key is not "encoder" and not "seed" and not "onnx_image_tower" and not "onnx_text_tower" && value is not null)
            {
                space[key] = new JsonArray(value.DeepClone());
            }
        }

        // A built-in ONNX tower is known to the parser by name; a spec's own goes back as its onnx_towers entry.
        var towers = new JsonObject();
        foreach (var (tower, definition) in new[] { (job.Parameters.Encoder, job.Parameters.OnnxImageTower), (job.Parameters.TextEncoder, job.Parameters.OnnxTextTower) })
        {
            if (definition is not null && !OnnxTowerCatalog.IsBuiltIn(tower))
            {
                towers[tower] = JsonNode.Parse(CanonicalJson.Serialize(definition));
            }
        }

        var spec = new JsonObject
        {
            ["name"] = name,
            ["dataset"] = JsonNode.Parse(CanonicalJson.Serialize(job.Dataset)),
            ["encoders"] = new JsonArray(job.Parameters.Encoder),
            ["seeds"] = new JsonArray(job.Parameters.Seed),
            ["parameters"] = space,
        };
        if (towers.Count > 0)
        {
            spec["onnx_towers"] = towers;
        }

        return spec.ToJsonString();
    }

    /// <summary>Rebuilds a job from the canonical parameter and dataset JSON the coordinator hands out.</summary>
    public static JobDefinition FromCanonical(string parametersJson, string datasetJson) =>
        new(CanonicalJson.Deserialize<JobParameters>(parametersJson), CanonicalJson.Deserialize<DatasetSpec>(datasetJson));
}
