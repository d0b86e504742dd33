using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Shared.Configuration;

namespace Orchestrator.Coordinator.Auth;

/// <summary>
/// The tokens the coordinator accepts now: the configured ones (single and lists, fixed for the process) and
/// those of the tokens file, which is read again whenever its modification time or size changes (one stat per
/// call), so editing it or updating the Kubernetes Secret it is mounted from rotates tokens without a restart.
/// A file that turns bad later (a token in both roles, a role left empty) is not applied: the tokens in force stay.
/// </summary>
public sealed class AcceptedTokens
{
    private readonly List<(string Token, string Source)> configuredWorkers;
    private readonly List<(string Token, string Source)> configuredClients;
    private readonly List<(string Token, string Source)> configuredViewers;
    private readonly string? file;
    private readonly ILogger logger;
    private readonly Lock reloading = new();
    private TokenSet current;
    private (DateTime Written, long Length)? stamp;

    public AcceptedTokens(IOptions<AuthOptions> options, ILogger<AcceptedTokens> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var auth = options.Value;
        this.logger = logger;
        file = string.IsNullOrWhiteSpace(auth.TokensFile) ? null : auth.TokensFile;
        configuredWorkers = Configured(auth.WorkerToken, EnvironmentVariables.WorkerToken, nameof(AuthOptions.WorkerToken), auth.WorkerTokens, nameof(AuthOptions.WorkerTokens));
        configuredClients = Configured(auth.ClientToken, EnvironmentVariables.ClientToken, nameof(AuthOptions.ClientToken), auth.ClientTokens, nameof(AuthOptions.ClientTokens));
        configuredViewers = [.. auth.ViewerTokens.Select((token, i) => (token ?? string.Empty, $"{AuthOptions.Section}:{nameof(AuthOptions.ViewerTokens)}:{i}"))];
        if (file is null)
        {
            // A local quick start without any token still works: the missing one is generated and logged.
            GenerateIfNone(configuredWorkers, "worker", EnvironmentVariables.WorkerToken);
            GenerateIfNone(configuredClients, "client", EnvironmentVariables.ClientToken);
        }
        else if (!File.Exists(file))
        {
            throw new CoordinatorConfigurationException($"{AuthOptions.Section}:{nameof(AuthOptions.TokensFile)}: the tokens file {file} does not exist");
        }

        current = Load(out var problems) ?? throw new CoordinatorConfigurationException(
            $"{AuthOptions.Section}: cannot accept these tokens: {string.Join("; ", problems)}");
        logger.LogInformation("Accepting {Workers} worker, {Clients} client and {Viewers} viewer token(s){File}", current.WorkerCount, current.ClientCount, current.ViewerCount,
            file is null ? string.Empty : $" (tokens file {file}, read again when it changes)");
    }

    /// <summary>The role of a presented token, or null when none in force matches it.</summary>
    public CallerRole? RoleOf(string presented)
    {
        ReloadIfChanged();
        return Volatile.Read(ref current).RoleOf(presented);
    }

    /// <summary>The role of the token behind a web session value (<see cref="TokenSet.SessionOf"/>), or null when none in force has it.</summary>
    public CallerRole? RoleOfSession(ReadOnlySpan<byte> session)
    {
        ReloadIfChanged();
        return Volatile.Read(ref current).RoleOfSession(session);
    }

    /// <summary>The anti-forgery value of a web session (<see cref="TokenSet.FormTokenOfSession"/>), or null when no token in force has it.</summary>
    public byte[]? FormTokenOfSession(ReadOnlySpan<byte> session)
    {
        ReloadIfChanged();
        return Volatile.Read(ref current).FormTokenOfSession(session);
    }

    private static List<(string, string)> Configured(string? single, string variable, string singleKey, List<string> list, string listKey)
    {
        var tokens = new List<(string, string)>();
        var one = !string.IsNullOrEmpty(single) ? (single, $"{AuthOptions.Section}:{singleKey}")
            : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment ? (fromEnvironment, variable)
            : ((string, string)?)null;
        if (one is { } found)
        {
            tokens.Add(found);
        }

        tokens.AddRange(list.Select((token, i) => (token ?? string.Empty, $"{AuthOptions.Section}:{listKey}:{i}")));
        return tokens;
    }

    private void GenerateIfNone(List<(string, string)> tokens, string role, string variable)
    {
        if (tokens.Count > 0)
        {
            return;
        }

        var generated = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        logger.LogWarning("No {Role} token configured ({Section}:{Role}Token or {Variable}); generated one for this run: {Token}",
            role, AuthOptions.Section, role, variable, generated);
        tokens.Add((generated, "generated"));
    }

    private TokenSet? Load(out List<string> problems)
    {
        var workers = new List<(string, string)>(configuredWorkers);
        var clients = new List<(string, string)>(configuredClients);
        var viewers = new List<(string, string)>(configuredViewers);
        problems = [];
        if (file is not null)
        {
            string text;
            try
            {
                stamp = Stamp(file);
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"cannot read the tokens file {file}: {e.Message}");
                return null;
            }

            var fromFile = TokensFile.Parse(file, text, problems);
            workers.AddRange(fromFile.Workers);
            clients.AddRange(fromFile.Clients);
            viewers.AddRange(fromFile.Viewers);
        }

        var set = TokenSet.TryCreate(workers, clients, viewers, out var setProblems);
        problems.AddRange(setProblems);
        return problems.Count == 0 ? set : null;
    }

    private void ReloadIfChanged()
    {
        if (file is null || Stamp(file) == stamp)
        {
            return;
        }

        lock (reloading)
        {
            var seen = Stamp(file);
            if (seen == stamp || seen is null)
            {
                return;
            }

            var loaded = Load(out var problems);
            if (loaded is null)
            {
                logger.LogError("Tokens file {File} changed but is not applied, the tokens in force stay: {Problems}", file, string.Join("; ", problems));
                return;
            }

            Volatile.Write(ref current, loaded);
            logger.LogInformation("Tokens file {File} read again: accepting {Workers} worker, {Clients} client and {Viewers} viewer token(s)", file, loaded.WorkerCount, loaded.ClientCount, loaded.ViewerCount);
        }
    }

    /// <summary>When and how long the file (a symbolic link's target, as Kubernetes mounts Secrets) was last written; null while it is missing.</summary>
    private static (DateTime, long)? Stamp(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target)
        {
            info = target;
        }

        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : null;
    }
}
