using System.Globalization;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// A moment as the pages show one that matters relative to now (a heartbeat, an estimated finish): "in 17 min" or
/// "12 s ago", in a `time` element whose title and datetime hold the absolute UTC time.
/// </summary>
public static class RelativeTime
{
    public static HtmlMarkup Markup(DateTime at, DateTime now)
    {
        var utc = DateTime.SpecifyKind(at, DateTimeKind.Utc);
        var html = new HtmlWriter();
        html.Append($"<time datetime=\"{utc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}\" title=\"{Format.Time(utc)}\">{Text(utc, now)}</time>");
        return new HtmlMarkup(html.ToString());
    }

    /// <summary>"in 1 h 5 min", "40 s ago", "now": whole units, the two largest, so a glance is enough.</summary>
    public static string Text(DateTime at, DateTime now)
    {
        var span = DateTime.SpecifyKind(at, DateTimeKind.Utc) - DateTime.SpecifyKind(now, DateTimeKind.Utc);
        var length = span.Duration();
        if (length < TimeSpan.FromSeconds(1))
        {
            return "now";
        }

        var text = Duration(length);
        return span > TimeSpan.Zero ? "in " + text : text + " ago";
    }

    /// <summary>A length of time in its two largest whole units: "45 s", "5 min 40 s", "1 h 5 min", "2 d 3 h".</summary>
    public static string Duration(TimeSpan length) => length switch
    {
        { TotalMinutes: < 1 } => Invariant($"{(int)length.TotalSeconds} s"),
        { TotalHours: < 1 } => length.Seconds == 0 ? Invariant($"{length.Minutes} min") : Invariant($"{length.Minutes} min {length.Seconds} s"),
        { TotalDays: < 1 } => length.Minutes == 0 ? Invariant($"{length.Hours} h") : Invariant($"{length.Hours} h {length.Minutes} min"),
        _ => length.Hours == 0 ? Invariant($"{(int)length.TotalDays} d") : Invariant($"{(int)length.TotalDays} d {length.Hours} h"),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
