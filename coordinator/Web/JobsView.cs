using System.Globalization;
using Orchestrator.Shared.States;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// Which jobs of a sweep a page shows, from its query string: a state and an encoder to filter by, a column to sort by
/// and its direction, and the page. Anything unknown falls back to the default, so an edited URL still shows a page.
/// </summary>
public sealed record JobsView(JobState? State, string? Encoder, string Sort, bool Descending, int Page)
{
    public const int PageSize = 100;

    /// <summary>Sortable columns: their query-string name and their SQL (fixed text, never input).</summary>
    public static readonly IReadOnlyDictionary<string, string> Columns = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["id"] = "j.id",
        ["encoder"] = "j.encoder",
        ["state"] = "j.state",
        ["attempt"] = "j.attempt",
        ["epoch"] = "epoch",
        ["loss"] = "loss",
        ["r1"] = "recall_at1",
        ["error"] = "j.error",
    };

    public static JobsView From(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sort = query["sort"].ToString();
        var encoder = query["encoder"].ToString();
        return new JobsView(
            StateLabels.TryToJobState(query["state"].ToString()),
            encoder.Length > 0 ? encoder : null,
            Columns.ContainsKey(sort) ? sort : "id",
            query["dir"].ToString() == "desc",
            int.TryParse(query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page >= 1 ? page : 1);
    }

    /// <summary>This view's query string with some values changed, for links (sorting, paging).</summary>
    public string With(string? sort = null, bool? descending = null, int? page = null)
    {
        var values = new List<(string, string)>();
        if (State is { } state)
        {
            values.Add(("state", StateLabels.Label(state)));
        }

        if (Encoder is not null)
        {
            values.Add(("encoder", Encoder));
        }

        values.Add(("sort", sort ?? Sort));
        if (descending ?? Descending)
        {
            values.Add(("dir", "desc"));
        }

        values.Add(("page", (page ?? Page).ToString(CultureInfo.InvariantCulture)));
        return "?" + string.Join("&", values.Select(v => $"{v.Item1}={Uri.EscapeDataString(v.Item2)}"));
    }
}
