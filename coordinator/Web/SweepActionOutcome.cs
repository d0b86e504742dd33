using System.Globalization;
using Orchestrator.Coordinator.Storage;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// What a cancel or retry from the sweep page did, carried to the page it redirects to as numbers in the query string
/// (`?done=cancel&amp;cancelled=3&amp;stopping=2`). The page writes the sentence itself from the numbers, so a crafted link
/// can change a count but never put words of its own on the page.
/// </summary>
public sealed record SweepActionOutcome(string Action, IReadOnlyDictionary<string, int> Counts)
{
    private const string Cancel = "cancel";
    private const string Retry = "retry";

    private static readonly string[] CancelKeys = ["cancelled", "stopping"];
    private static readonly string[] RetryKeys = ["failed", "lease_lost", "cancelled", "left", "failed_only"];

    public static SweepActionOutcome Cancelled(int cancelled, int stopping) =>
        new(Cancel, new Dictionary<string, int>(StringComparer.Ordinal) { ["cancelled"] = cancelled, ["stopping"] = stopping });

    public static SweepActionOutcome Retried(RetryOutcome outcome, bool failedOnly)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return new(Retry, new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["failed"] = outcome.Failed, ["lease_lost"] = outcome.LeaseLost, ["cancelled"] = outcome.Cancelled,
            ["left"] = outcome.CancelledLeft, ["failed_only"] = failedOnly ? 1 : 0,
        });
    }

    /// <summary>The outcome a redirect named, or null when the query string names none (or something else).</summary>
    public static SweepActionOutcome? From(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var action = query["done"].ToString();
        var keys = action switch { Cancel => CancelKeys, Retry => RetryKeys, _ => null };
        return keys is null ? null : new SweepActionOutcome(action, keys.ToDictionary(k => k, k => Count(query[k].ToString()), StringComparer.Ordinal));
    }

    /// <summary>The sweep page's URL showing this outcome.</summary>
    public string PageUrl(long sweepId) =>
        string.Create(CultureInfo.InvariantCulture, $"/sweeps/{sweepId}?done={Action}&") + string.Join("&", Counts.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key}={c.Value}")));

    /// <summary>The outcome in words, as `orch cancel` and `orch retry` put it.</summary>
    public string Sentence()
    {
        if (Action == Cancel)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"Cancelled: {Counts["cancelled"]} queued job(s) cancelled, {Counts["stopping"]} running job(s) asked to stop at their next heartbeat.");
        }

        var (failed, leaseLost, cancelled, left) = (Counts["failed"], Counts["lease_lost"], Counts["cancelled"], Counts["left"]);
        var sentence = failed + leaseLost + cancelled == 0
            ? $"Nothing to retry: no {(Counts["failed_only"] == 1 ? "failed or lease-lost" : "failed, lease-lost or cancelled")} jobs."
            : string.Create(CultureInfo.InvariantCulture,
                $"Retried: {failed + leaseLost + cancelled} job(s) queued again ({failed} failed, {leaseLost} lease-lost, {cancelled} cancelled), each with fresh attempts.");
        return left == 0 ? sentence : sentence + string.Create(CultureInfo.InvariantCulture, $" {left} cancelled job(s) left as they are (retry without \"failed only\" to run them too).");
    }

    private static int Count(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
