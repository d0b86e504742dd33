namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// The services of the gRPC health endpoint (grpc.health.v1), as probes ask for them. The unnamed service is
/// readiness: every health check, the database included. "liveness" runs only a check that always passes (a
/// service with no check at all answers UNKNOWN): it answers while the process serves, so a database outage
/// takes coordinators out of rotation without having them restarted in a loop.
/// </summary>
public static class CoordinatorHealth
{
    public const string ReadinessService = "";

    public const string LivenessService = "liveness";
}
