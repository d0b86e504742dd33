namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// Follows a list RPC's page tokens to the end, so `orch status`, `orch jobs` and `orch workers` show everything
/// however small the coordinator's pages are, and no single response has to carry a whole list.
/// </summary>
public static class AllPages
{
    /// <summary>Size asked for each page: the coordinator's largest.</summary>
    public const int PageSize = 1000;

    /// <param name="fetch">one page for a page token (empty: the first): its items and the next token (empty: the last page)</param>
    public static async Task<List<T>> ReadAsync<T>(Func<string, Task<(IEnumerable<T> Items, string NextToken)>> fetch)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        var items = new List<T>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var token = string.Empty;
        do
        {
            var page = await fetch(token);
            items.AddRange(page.Items);
            token = page.NextToken;

            // A coordinator that hands back a token it already gave would make this loop forever.
            if (token.Length > 0 && !seen.Add(token))
            {
                throw new InvalidOperationException($"the coordinator repeated the page token '{token}'");
            }
        }
        while (token.Length > 0);
        return items;
    }
}
