namespace Orchestrator.Shared.Search;

/// <summary>
/// A result the sampler learns from: where a job ran and the value of the sweep's metric. A job stopped early
/// enters at its last rung's value if the caller chooses so (it is usually worse than it would have ended, which
/// only makes the sampler avoid its region more). A value that is not a finite number (a diverged loss) ranks
/// below every finite one, so a configuration that blew up counts among the bad ones instead of being lost.
/// </summary>
public sealed record Observation(SearchPoint Point, double Value);
