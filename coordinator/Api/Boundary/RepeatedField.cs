using System.Globalization;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>
/// Checks of a request's repeated fields (sweep_ids, group_by, cost_axes): not too many entries, each valid and
/// named by its index, none repeated (a repeated group-by key would make two columns of one name).
/// </summary>
public static class RepeatedField
{
    /// <summary>Sweep ids: at least one, positive, distinct, at most <see cref="LimitsOptions.MaxRepeatedEntries"/>.</summary>
    public static void SweepIds(RequestProblems problems, string field, IReadOnlyList<long> ids, LimitsOptions limits)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(limits);
        if (ids.Count == 0)
        {
            problems.Add(field, "name at least one sweep");
        }
        else if (!FitsLimit(problems, field, ids.Count, limits))
        {
            return;
        }

        var seen = new HashSet<long>();
        for (var i = 0; i < ids.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]");
            if (ids[i] <= 0)
            {
                problems.Add(at, string.Create(CultureInfo.InvariantCulture, $"{ids[i]} is not a sweep id: ids are positive"));
            }
            else if (!seen.Add(ids[i]))
            {
                problems.Add(at, string.Create(CultureInfo.InvariantCulture, $"sweep {ids[i]} is named twice"));
            }
        }
    }

    /// <summary>Names from a known set: non-empty, printable, known (listing <paramref name="known"/> otherwise), distinct.</summary>
    public static void Names(RequestProblems problems, string field, IReadOnlyList<string> names, IReadOnlyCollection<string> known, LimitsOptions limits)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(known);
        ArgumentNullException.ThrowIfNull(limits);
        if (!FitsLimit(problems, field, names.Count, limits))
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]");
            var before = problems.Count;
            TextField.Check(problems, at, names[i], limits.MaxNameLength);
            if (problems.Count > before)
            {
                continue;
            }

            if (!known.Contains(names[i]))
            {
                problems.Add(at, $"'{TextField.Printable(names[i])}' is not one of: {string.Join(", ", known)}");
            }
            else if (!seen.Add(names[i]))
            {
                problems.Add(at, $"'{names[i]}' is named twice");
            }
        }
    }

    private static bool FitsLimit(RequestProblems problems, string field, int count, LimitsOptions limits)
    {
        if (count <= limits.MaxRepeatedEntries)
        {
            return true;
        }

        problems.Add(field, string.Create(CultureInfo.InvariantCulture, $"{count} entries; at most {limits.MaxRepeatedEntries} are allowed"));
        return false;
    }
}
