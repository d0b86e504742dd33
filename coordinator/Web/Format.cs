using System.Globalization;

namespace Orchestrator.Coordinator.Web;

/// <summary>How the pages write numbers and times: invariant culture, UTC with its zone, so every reader sees the same text.</summary>
public static class Format
{
    public const string None = "–";

    public static string Time(DateTime? at) =>
        at is { } value ? DateTime.SpecifyKind(value, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : None;

    public static string Number(double? value) =>
        value is not { } v ? None : v.ToString(Math.Abs(v) >= 100 || v == Math.Floor(v) ? "0.##" : "0.####", CultureInfo.InvariantCulture);
}
