using System.Security.Cryptography;
using System.Text;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// One job of a sweep: its complete parameters (encoder and seed included) and the dataset it trains on.
/// <see cref="JobKey"/> identifies the parameter set within a sweep, whatever order or notation the spec used.
/// </summary>
public sealed record JobDefinition(JobParameters Parameters, DatasetSpec Dataset)
{
    /// <summary>Parameters as canonical JSON: keys sorted, numbers in shortest round-trip form.</summary>
    public string CanonicalParameters => CanonicalJson.Serialize(Parameters);

    /// <summary>SHA-256 (hex, lower case) of <see cref="CanonicalParameters"/>.</summary>
    public string JobKey => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalParameters)));
}
