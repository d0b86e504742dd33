using System.Globalization;
using System.Text.Json;
using Orchestrator.Coordinator.Storage;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// The workers page: each worker's name, host, devices, slots (one job per device), the jobs it runs now with links to
/// their sweeps, its last heartbeat (relative, and absolute) and whether it is online. Online follows the coordinator's
/// own rule (<see cref="Scheduling.WorkerLiveness.OfflineCutoff"/>) at the time of the page, so a worker gone silent shows
/// offline at once rather than when the liveness job next marks it.
/// </summary>
public static class WorkersView
{
    public const int PageSize = 100;

    /// <param name="workers">the page's workers</param>
    /// <param name="nextAfter">the `after` of the next page, null on the last</param>
    /// <param name="running">the jobs each worker holds now, by worker id</param>
    /// <param name="now">the time of the page</param>
    /// <param name="offlineCutoff">a worker not heard from since is offline</param>
    public static HtmlPage Render(IReadOnlyList<WorkerRow> workers, string? nextAfter, ILookup<string, RunningJob> running, DateTime now, DateTime offlineCutoff) => new("Workers", page =>
    {
        if (workers.Count == 0)
        {
            page.Append($"<p class=\"muted\">No worker has registered yet. Start one with <code>orch-worker</code> (README).</p>");
            return;
        }

        page.Append($"<div class=\"scroll\"><table class=\"workers\"><thead><tr><th>Name</th><th class=\"wide\">Host</th><th>Devices</th><th class=\"num\">Slots</th><th>Running jobs</th>");
        page.Append($"<th>Last heartbeat</th><th>State</th></tr></thead><tbody>");
        foreach (var worker in workers)
        {
            var devices = Devices(worker.Devices);
            var state = worker.State == "online" && worker.LastSeenAt >= offlineCutoff ? "online" : "offline";
            page.Append($"<tr><td>{worker.Name}</td><td class=\"wide\">{worker.Host}</td><td>{(devices.Count == 0 ? Format.None : string.Join(", ", devices))}</td>");
            page.Append($"<td class=\"num\">{devices.Count}</td><td>{Jobs(running[worker.Id])}</td>");
            page.Append($"<td>{RelativeTime.Markup(worker.LastSeenAt, now)}<br><span class=\"muted\">{Format.Time(worker.LastSeenAt)}</span></td>");
            page.Append($"<td class=\"state-{state}\">{state}</td></tr>");
        }

        page.Append($"</tbody></table></div>");
        if (nextAfter is not null)
        {
            page.Append($"<p class=\"pages\"><a href=\"/workers?after={nextAfter}\">More workers →</a></p>");
        }
    });

    /// <summary>"#12 #13 (sweep 3)" with links to the sweeps; "–" when idle.</summary>
    private static HtmlMarkup Jobs(IEnumerable<RunningJob> jobs)
    {
        var html = new HtmlWriter();
        var first = true;
        foreach (var sweep in jobs.GroupBy(j => j.SweepId))
        {
            html.Append($"{(first ? string.Empty : " · ")}<a href=\"/sweeps/{sweep.Key}?state=running\">{string.Join(" ", sweep.Select(j => "#" + j.JobId.ToString(CultureInfo.InvariantCulture)))} (sweep {sweep.Key})</a>");
            first = false;
        }

        return new HtmlMarkup(first ? Format.None : html.ToString());
    }

    /// <summary>
    /// The devices as registered: objects with a name, kind and memory (RegisterWorker stores them so), or plain names.
    /// A worker runs one job per device, so their number is its slots.
    /// </summary>
    private static List<string> Devices(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return [.. document.RootElement.EnumerateArray().Select(Device)];
    }

    private static string Device(JsonElement device)
    {
        if (device.ValueKind == JsonValueKind.String)
        {
            return device.GetString() ?? string.Empty;
        }

        if (device.ValueKind != JsonValueKind.Object)
        {
            return device.GetRawText();
        }

        var name = device.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        var kind = device.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String && k.GetString() is { Length: > 0 } text ? text : null;
        var memory = device.TryGetProperty("memory_bytes", out var m) && m.TryGetInt64(out var bytes) && bytes > 0
            ? (bytes / (1024.0 * 1024 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB"
            : null;
        var details = string.Join(", ", new[] { kind, memory }.OfType<string>());
        return details.Length == 0 ? name ?? "?" : $"{name} ({details})";
    }
}
