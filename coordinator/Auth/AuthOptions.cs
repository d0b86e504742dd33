
namespace Orchestrator.Coordinator.Auth;

/// <summary>
/// Bearer tokens (section `Coordinator:Auth`, or env ORCH_WORKER_TOKEN / ORCH_CLIENT_TOKEN). Workers lease and
/// report, clients submit and watch; neither may call the other's service. Each role may have several valid
/// tokens at once (the single one, the list, and the tokens file together), so a token is rotated by adding the
/// new one, moving every user to it, and removing the old one, without a restart.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Coordinator:Auth";

    /// <summary>A worker token (also ORCH_WORKER_TOKEN).</summary>
    public string? WorkerToken { get; set; }

    /// <summary>A client token (also ORCH_CLIENT_TOKEN).</summary>
    public string? ClientToken { get; set; }

    /// <summary>More worker tokens, valid together with <see cref="WorkerToken"/>.</summary>
    public List<string> WorkerTokens { get; set; } = [];

    /// <summary>More client tokens, valid together with <see cref="ClientToken"/>.</summary>
    public List<string> ClientTokens { get; set; } = [];

    /// <summary>Read-only tokens: they open the web dashboard's pages, and nothing else (no gRPC service, no cancel).</summary>
    public List<string> ViewerTokens { get; set; } = [];

    /// <summary>
    /// A file of tokens, one `worker TOKEN` or `client TOKEN` per line (# comments): read at start-up and again
    /// whenever it changes, so a mounted Kubernetes Secret rotates tokens live (`orch serve --tokens-file`).
    /// </summary>
    public string? TokensFile { get; set; }

    /// <summary>
    /// Whether <paramref name="configuration"/> (or the environment) names any worker or client token or a tokens file.
    /// Viewer tokens do not count: they come on top of the local credentials of a single-machine `orch serve`.
    /// </summary>
    public static bool AnyConfigured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        return section[nameof(WorkerToken)] is not null || section[nameof(ClientToken)] is not null
               || section.GetSection(nameof(WorkerTokens)).GetChildren().Any() || section.GetSection(nameof(ClientTokens)).GetChildren().Any()
               || section[nameof(TokensFile)] is not null
               || Environment.GetEnvironmentVariable(Shared.Configuration.EnvironmentVariables.WorkerToken) is not null
               || Environment.GetEnvironmentVariable(Shared.Configuration.EnvironmentVariables.ClientToken) is not null;
    }
}

public enum CallerRole
{
    Worker,
    Client,

    /// <summary>Looks at the web dashboard; may change nothing.</summary>
    Viewer,
}
