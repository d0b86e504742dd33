using System.Security.Cryptography;
using System.Text;

namespace Orchestrator.Coordinator.Auth;

/// <summary>
/// The tokens valid at one moment, per role. Kept as SHA-256 digests: every comparison is between 32 bytes in
/// constant time, so neither a token's content nor its length shows in the time an answer takes.
/// </summary>
public sealed class TokenSet
{
    private readonly (byte[] Digest, CallerRole Role)[] tokens;

    private TokenSet((byte[], CallerRole)[] tokens, int workers, int clients)
    {
        this.tokens = tokens;
        WorkerCount = workers;
        ClientCount = clients;
    }

    public int WorkerCount { get; }

    public int ClientCount { get; }

    /// <summary>
    /// The set of <paramref name="workers"/> and <paramref name="clients"/>, or the problems that forbid it: an
    /// empty token or one with white space (it could never be presented), one token in both roles, a role without any.
    /// </summary>
    /// <param name="workers">(token, where it was configured) per worker token</param>
    /// <param name="clients">(token, where it was configured) per client token</param>
    /// <param name="problems">what is wrong, each naming the setting</param>
    public static TokenSet? TryCreate(IEnumerable<(string Token, string Source)> workers, IEnumerable<(string Token, string Source)> clients, out List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(workers);
        ArgumentNullException.ThrowIfNull(clients);
        problems = [];
        var worker = Check(workers, "worker", problems);
        var client = Check(clients, "client", problems);
        foreach (var shared in worker.Keys.Intersect(client.Keys, StringComparer.Ordinal))
        {
            problems.Add($"the same token is configured as a worker token ({worker[shared]}) and as a client token ({client[shared]}): " +
                         "each role needs its own, or a worker could submit and cancel sweeps");
        }

        if (worker.Count == 0)
        {
            problems.Add("no worker token is configured");
        }

        if (client.Count == 0)
        {
            problems.Add("no client token is configured");
        }

        return problems.Count > 0
            ? null
            : new TokenSet([.. worker.Keys.Select(t => (Digest(t), CallerRole.Worker)), .. client.Keys.Select(t => (Digest(t), CallerRole.Client))], worker.Count, client.Count);
    }

    /// <summary>The role of <paramref name="presented"/>, or null when no valid token matches it.</summary>
    public CallerRole? RoleOf(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var digest = Digest(presented);
        CallerRole? role = null;
        // Every token is compared, matched or not: the time taken does not say which one matched.
        foreach (var (candidate, candidateRole) in tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, candidate))
            {
                role = candidateRole;
            }
        }

        return role;
    }

    private static Dictionary<string, string> Check(IEnumerable<(string Token, string Source)> tokens, string role, List<string> problems)
    {
        var accepted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (token, source) in tokens)
        {
            if (string.IsNullOrEmpty(token) || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                problems.Add($"{source}: a {role} token must be non-empty, without spaces or control characters (new ones: `openssl rand -hex 24`)");
                continue;
            }

            accepted.TryAdd(token, source);
        }

        return accepted;
    }

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
