
namespace Orchestrator.Coordinator.Auth;

/// <summary>
/// Bearer tokens (section `Coordinator:Auth`, or env ORCH_WORKER_TOKEN / ORCH_CLIENT_TOKEN). One token per role:
/// workers lease and report, clients submit and watch; neither may call the other's service.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Coordinator:Auth";

    public string? WorkerToken { get; set; }

    public string? ClientToken { get; set; }
}

public enum CallerRole
{
    Worker,
    Client,
}
