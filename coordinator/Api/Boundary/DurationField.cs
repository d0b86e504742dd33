using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>
/// A google.protobuf.Duration from a request as a TimeSpan, checked first: Duration.ToTimeSpan throws on seconds
/// or nanos out of range and on their signs disagreeing, and a client can send all of those.
/// </summary>
public static class DurationField
{
    // Duration's own documented range (±10,000 years), which ToTimeSpan enforces and which fits a TimeSpan.
    private const long MaxSeconds = Duration.MaxSeconds;

    /// <summary>The duration, zero when unset; null after adding a problem for <paramref name="field"/>.</summary>
    public static TimeSpan? NonNegative(RequestProblems problems, string field, Duration? value)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (value is null)
        {
            return TimeSpan.Zero;
        }

        string? problem = value switch
        {
            { Nanos: <= -1_000_000_000 or >= 1_000_000_000 } => "nanos must be within ±999,999,999",
            { Seconds: > 0, Nanos: < 0 } or { Seconds: < 0, Nanos: > 0 } => "seconds and nanos must have the same sign",
            { Seconds: < 0 } or { Nanos: < 0 } => "must not be negative",
            { Seconds: var s } when s > MaxSeconds => string.Create(CultureInfo.InvariantCulture, $"seconds must be at most {MaxSeconds}"),
            _ => null,
        };
        if (problem is not null)
        {
            problems.Add(field, string.Create(CultureInfo.InvariantCulture, $"{problem} (got seconds {value.Seconds}, nanos {value.Nanos})"));
            return null;
        }

        return value.ToTimeSpan();
    }
}
