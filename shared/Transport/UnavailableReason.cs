namespace Orchestrator.Shared.Transport;

/// <summary>
/// The trailer by which an UNAVAILABLE answer says why, shared by the coordinator that sets it and the agent and the
/// CLI that read it. Without it UNAVAILABLE means the coordinator was not reached; with <see cref="Database"/> the
/// coordinator answered and only its database is gone for now, so another coordinator (same database) would not help.
/// </summary>
public static class UnavailableReason
{
    /// <summary>The trailer's name (gRPC metadata keys are lower case).</summary>
    public const string TrailerKey = "orch-unavailable";

    /// <summary>The trailer's value when the coordinator's database is unavailable.</summary>
    public const string Database = "database";
}
