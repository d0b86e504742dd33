using System.Text.Json;
using Orchestrator.Coordinator.Storage;

namespace Orchestrator.Coordinator.Web;

/// <summary>The workers page: each worker's name, slots (its devices, one job each), running jobs, last heartbeat and state.</summary>
public static class WorkersView
{
    public const int PageSize = 100;

    public static HtmlPage Render(IReadOnlyList<WorkerRow> workers, string? nextAfter) => new("Workers", page =>
    {
        if (workers.Count == 0)
        {
            page.Append($"<p class=\"muted\">No worker has registered yet. Start one with <code>orch-worker</code> (README).</p>");
            return;
        }

        page.Append($"<div class=\"scroll\"><table><thead><tr><th>Name</th><th class=\"wide\">Host</th><th class=\"num\">Slots</th><th class=\"num\">Running</th><th>Last heartbeat</th><th>State</th></tr></thead><tbody>");
        foreach (var worker in workers)
        {
            page.Append($"<tr><td>{worker.Name}</td><td class=\"wide\">{worker.Host}</td><td class=\"num\">{Slots(worker.Devices)}</td><td class=\"num\">{worker.RunningJobs}</td>");
            page.Append($"<td>{Format.Time(worker.LastSeenAt)}</td><td class=\"state-{worker.State}\">{worker.State}</td></tr>");
        }

        page.Append($"</tbody></table></div>");
        if (nextAfter is not null)
        {
            page.Append($"<p class=\"pages\"><a href=\"/workers?after={nextAfter}\">More workers →</a></p>");
        }
    });

    private static string Slots(string devices)
    {
        using var document = JsonDocument.Parse(devices);
        return document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.GetArrayLength().ToString(System.Globalization.CultureInfo.InvariantCulture) : Format.None;
    }
}
