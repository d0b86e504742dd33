namespace Orchestrator.Coordinator.Auth;

/// <summary>
/// The tokens file (`Coordinator:Auth:TokensFile`, `orch serve --tokens-file`): one `worker TOKEN`, `client TOKEN` or `viewer TOKEN`
/// per line; blank lines and lines starting with # are skipped. One file for both roles, so a single Secret key
/// holds them and one write changes them together.
/// </summary>
public static class TokensFile
{
    public const string WorkerRole = "worker";
    public const string ClientRole = "client";
    public const string ViewerRole = "viewer";

    /// <summary>The tokens of <paramref name="text"/> read from <paramref name="path"/>, each with its line as its source.</summary>
    /// <param name="path">names the file in sources and problems</param>
    /// <param name="text">the file's contents</param>
    /// <param name="problems">lines that are neither a token nor a comment</param>
    public static (List<(string Token, string Source)> Workers, List<(string Token, string Source)> Clients, List<(string Token, string Source)> Viewers) Parse(string path, string text, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(problems);
        var workers = new List<(string, string)>();
        var clients = new List<(string, string)>();
        var viewers = new List<(string, string)>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var source = $"{path} line {i + 1}";
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var role = parts[0].ToLowerInvariant();
            if (parts.Length != 2 || role is not (WorkerRole or ClientRole or ViewerRole))
            {
                problems.Add($"{source}: expected `{WorkerRole} TOKEN`, `{ClientRole} TOKEN` or `{ViewerRole} TOKEN`");
                continue;
            }

            (role switch
            {
                WorkerRole => workers,
                ClientRole => clients,
                _ => viewers,
            }).Add((parts[1], source));
        }

        return (workers, clients, viewers);
    }
}
