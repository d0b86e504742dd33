using System.Text;
using Google.Rpc;
using Grpc.Core;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// Every problem of an INVALID_ARGUMENT refusal, from its google.rpc.BadRequest detail: the status message lists only
/// the first few (it travels in a header), and a user fixing a spec wants the whole list at once.
/// </summary>
public static class RefusalProblems
{
    /// <summary>One "  field: problem" line per violation; the status message when the refusal carries no detail.</summary>
    public static string Describe(RpcException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var detail = refusal.GetRpcStatus()?.GetDetail<BadRequest>();
        if (detail is null || detail.FieldViolations.Count == 0)
        {
            return refusal.Status.Detail;
        }

        var text = new StringBuilder().Append(detail.FieldViolations.Count).Append(" problem(s):");
        foreach (var violation in detail.FieldViolations)
        {
            text.AppendLine().Append("  ").Append(violation.Field).Append(": ").Append(violation.Description);
        }

        return text.ToString();
    }
}
