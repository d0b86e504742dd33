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

    // The web session cookie holds SHA-256(purpose ‖ token digest): not the token, and not the digest kept here either.
    private static readonly byte[] SessionPurpose = Encoding.UTF8.GetBytes("orch web session v1:");

    private static readonly byte[] FormPurpose = Encoding.UTF8.GetBytes("orch web form v1:");

    private TokenSet((byte[], CallerRole)[] tokens, int workers, int clients, int viewers)
    {
        this.tokens = tokens;
        WorkerCount = workers;
        ClientCount = clients;
        ViewerCount = viewers;
    }

    public int WorkerCount { get; }

    public int ClientCount { get; }

    public int ViewerCount { get; }

    /// <summary>
    /// The set of <paramref name="workers"/>, <paramref name="clients"/> and <paramref name="viewers"/>, or the problems
    /// that forbid it: an empty token or one with white space (it could never be presented), one token in two roles, no
    /// worker or no client token (viewer tokens are optional).
    /// </summary>
    /// <param name="workers">(token, where it was configured) per worker token</param>
    /// <param name="clients">(token, where it was configured) per client token</param>
    /// <param name="viewers">(token, where it was configured) per read-only viewer token</param>
    /// <param name="problems">what is wrong, each naming the setting</param>
    public static TokenSet? TryCreate(
        IEnumerable<(string Token, string Source)> workers, IEnumerable<(string Token, string Source)> clients,
        IEnumerable<(string Token, string Source)> viewers, out List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(workers);
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(viewers);
        problems = [];
        var worker = Check(workers, "worker", problems);
        var client = Check(clients, "client", problems);
        var viewer = Check(viewers, "viewer", problems);
        Shared(worker, "worker", client, "client", "a worker could submit and cancel sweeps", problems);
        Shared(worker, "worker", viewer, "viewer", "a worker could read every sweep in the dashboard", problems);
        Shared(client, "client", viewer, "viewer", "a viewer token would not be read-only", problems);

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
            : new TokenSet(
                [
                    .. worker.Keys.Select(t => (Digest(t), CallerRole.Worker)), .. client.Keys.Select(t => (Digest(t), CallerRole.Client)),
                    .. viewer.Keys.Select(t => (Digest(t), CallerRole.Viewer)),
                ],
                worker.Count, client.Count, viewer.Count);
    }

    /// <summary>The web session value of a token: what the dashboard's cookie holds instead of the token itself.</summary>
    public static byte[] SessionOf(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        return SessionOfDigest(Digest(presented));
    }

    /// <summary>The role of the token whose session value is <paramref name="session"/>; null when no token in force has it (e.g. rotated out).</summary>
    public CallerRole? RoleOfSession(ReadOnlySpan<byte> session) => TokenOfSession(session)?.Role;

    /// <summary>
    /// The anti-forgery value the dashboard's forms carry for <paramref name="session"/>: HMAC-SHA256 of the session value
    /// keyed with its token's digest, which the coordinator holds and the cookie does not. Derived, not stored, so it
    /// survives a restart and is the same on every coordinator with these tokens, and it changes with the token. Null
    /// when no token in force has the session.
    /// </summary>
    public byte[]? FormTokenOfSession(ReadOnlySpan<byte> session)
    {
        if (TokenOfSession(session) is not { } token)
        {
            return null;
        }

        byte[] message = [.. FormPurpose, .. session];
        return HMACSHA256.HashData(token.Digest, message);
    }

    /// <summary>The token in force whose session <paramref name="session"/> is; every candidate compared in constant time.</summary>
    private (byte[] Digest, CallerRole Role)? TokenOfSession(ReadOnlySpan<byte> session)
    {
        (byte[], CallerRole)? found = null;
        foreach (var candidate in tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(session, SessionOfDigest(candidate.Item1)))
            {
                found = candidate;
            }
        }

        return found;
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

    private static void Shared(Dictionary<string, string> one, string oneRole, Dictionary<string, string> other, string otherRole, string risk, List<string> problems)
    {
        foreach (var shared in one.Keys.Intersect(other.Keys, StringComparer.Ordinal))
        {
            problems.Add($"the same token is configured as a {oneRole} token ({one[shared]}) and as a {otherRole} token ({other[shared]}): " +
                         $"each role needs its own, or {risk}");
        }
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

    private static byte[] SessionOfDigest(byte[] digest) => SHA256.HashData([.. SessionPurpose, .. digest]);
}
