namespace Orchestrator.Coordinator.Web;

/// <summary>What an API call that is refused answers.</summary>
public sealed record ApiError(string Error);
