using System.Globalization;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// The interval a numeric spec value must lie in, and the sentence a refusal quotes, so the rule and its message
/// cannot drift apart. Bounds are deliberately generous: they keep out mistakes (an extra three zeros) and
/// values that would exhaust a worker, not unusual but meaningful choices.
/// </summary>
public sealed record ValueBounds(double Minimum, double Maximum, bool ExcludesMinimum = false, bool ExcludesMaximum = false)
{
    /// <summary>Why the bound is what it is, appended to the message (e.g. what the value multiplies).</summary>
    public string? Note { get; init; }

    /// <summary>`[min, max]` of whole numbers.</summary>
    public static ValueBounds Whole(int minimum, int maximum) => new(minimum, maximum);

    /// <summary>`(0, max]`: a positive amount such as a learning rate.</summary>
    public static ValueBounds PositiveUpTo(double maximum) => new(0, maximum, ExcludesMinimum: true);

    public bool Contains(double value) =>
        (ExcludesMinimum ? value > Minimum : value >= Minimum) &&
        (ExcludesMaximum ? value < Maximum : value <= Maximum);

    /// <summary>What a value must be, e.g. "must be between 1 and 10000".</summary>
    public string Requirement
    {
        get
        {
            var text = (ExcludesMinimum, ExcludesMaximum) switch
            {
                (false, false) => $"must be between {Format(Minimum)} and {Format(Maximum)}",
                (true, false) when Minimum == 0 => $"must be positive (greater than 0) and at most {Format(Maximum)}",
                (true, false) => $"must be greater than {Format(Minimum)} and at most {Format(Maximum)}",
                (false, true) => $"must be in [{Format(Minimum)}, {Format(Maximum)})",
                (true, true) => $"must be between {Format(Minimum)} and {Format(Maximum)} (exclusive)",
            };
            return Note is null ? text : $"{text}: {Note}";
        }
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
