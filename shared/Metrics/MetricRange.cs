using System.Globalization;

namespace Orchestrator.Shared.Metrics;

/// <summary>
/// The values a metric can take: the coordinator refuses a report outside it, so a broken trainer or a hostile
/// client cannot store a recall of 1.5 or a negative time and have it ranked.
/// </summary>
public sealed record MetricRange(double Minimum, double Maximum, bool WholeNumbers = false)
{
    /// <summary>Any finite number (losses, which may be negative for some objectives).</summary>
    public static readonly MetricRange AnyFinite = new(double.MinValue, double.MaxValue);

    /// <summary>A share of something, as recall is: [0, 1].</summary>
    public static readonly MetricRange Fraction = new(0, 1);

    /// <summary>Times, rates, sizes, learning rates.</summary>
    public static readonly MetricRange NonNegative = new(0, double.MaxValue);

    /// <summary>Counts.</summary>
    public static readonly MetricRange NonNegativeWhole = new(0, double.MaxValue, WholeNumbers: true);

    /// <summary>A retrieval rank: 1 is the best.</summary>
    public static readonly MetricRange Rank = new(1, double.MaxValue);

    public bool Contains(double value) =>
        double.IsFinite(value) && value >= Minimum && value <= Maximum && (!WholeNumbers || Math.Floor(value) == value);

    public override string ToString()
    {
        var kind = WholeNumbers ? "a whole number" : "a finite number";
        return (Minimum == double.MinValue, Maximum == double.MaxValue) switch
        {
            (true, true) => kind,
            (false, true) => string.Create(CultureInfo.InvariantCulture, $"{kind} ≥ {Minimum}"),
            (true, false) => string.Create(CultureInfo.InvariantCulture, $"{kind} ≤ {Maximum}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{kind} in [{Minimum}, {Maximum}]"),
        };
    }
}
