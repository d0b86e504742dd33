using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// The jobs a compare request names: `jobs=1,2,3` or `jobs=1&amp;jobs=2` (what the sweep page's checkboxes send), or
/// both mixed; each id once, in the order given. 2–6 of them, each a job id: anything else is a problem to show.
/// </summary>
public sealed record CompareSelection(IReadOnlyList<long> JobIds)
{
    public const int MinJobs = 2;
    public const int MaxJobs = 6;

    /// <summary>For URLs: the ids comma-separated.</summary>
    public string Query => "jobs=" + string.Join(",", JobIds.Select(id => id.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The selection, or what is wrong with the request (and how to ask instead).</summary>
    public static (CompareSelection? Selection, string? Problem) Parse(StringValues values)
    {
        var parts = values.SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        var wrong = parts.Where(p => !long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0).ToList();
        if (wrong.Count > 0)
        {
            return (null, $"not job ids: {string.Join(", ", wrong.Take(MaxJobs).Select(w => $"'{w}'"))}; name jobs by their numbers, e.g. /compare?jobs=12,13");
        }

        var ids = parts.Select(p => long.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture)).Distinct().ToList();
        return ids.Count is < MinJobs or > MaxJobs
            ? (null, $"compare {MinJobs} to {MaxJobs} jobs, not {ids.Count}: tick them in a sweep's jobs table, or name them as /compare?jobs=12,13")
            : (new CompareSelection(ids), null);
    }
}
