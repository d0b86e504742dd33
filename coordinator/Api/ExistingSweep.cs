using System.Globalization;
using Grpc.Core;

namespace Orchestrator.Coordinator.Api;

/// <summary>
/// The structured detail of SubmitSweep's AlreadyExists refusal: the sweep that already has this name and spec,
/// sent as trailers so a client says what to do from the data, never by rewording the server's message.
/// </summary>
public sealed record ExistingSweep(long SweepId, string Name)
{
    public const string SweepIdKey = "orch-existing-sweep-id";
    public const string NameKey = "orch-existing-sweep-name";

    public RpcException ToRefusal() => new(
        new Status(StatusCode.AlreadyExists, string.Create(CultureInfo.InvariantCulture,
            $"sweep {SweepId} named '{Name}' has an identical spec; set create_new to submit it again")),
        new Metadata
        {
            { SweepIdKey, SweepId.ToString(CultureInfo.InvariantCulture) },
            { NameKey, Name },
        });

    /// <summary>The existing sweep a refusal names; null when it carries no such detail (another refusal, an older server).</summary>
    public static ExistingSweep? From(RpcException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return refusal.StatusCode == StatusCode.AlreadyExists
               && long.TryParse(refusal.Trailers.GetValue(SweepIdKey), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
               && refusal.Trailers.GetValue(NameKey) is { } name
            ? new ExistingSweep(id, name)
            : null;
    }
}
