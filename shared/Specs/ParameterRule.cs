using System.Globalization;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// What a spec may say about one job parameter: its kind, and for numbers the interval, for text the allowed
/// values. Checks answer null for a good value, else the problem's message.
/// </summary>
public sealed record ParameterRule(string Name, ParameterKind Kind, ValueBounds? Bounds = null, IReadOnlyList<string>? Allowed = null)
{
    /// <summary>Whole numbers without a bound of their own still have to fit the job's 32-bit field.</summary>
    private static readonly ValueBounds AnyWholeNumber = ValueBounds.Whole(int.MinValue, int.MaxValue);

    public string? Check(double value)
    {
        var bounds = Bounds ?? (Kind == ParameterKind.WholeNumber ? AnyWholeNumber : null);
        return bounds is null || bounds.Contains(value)
            ? null
            : $"{value.ToString("R", CultureInfo.InvariantCulture)} {bounds.Requirement}";
    }

    public string? Check(string value) =>
        Allowed is null || Allowed.Contains(value, StringComparer.Ordinal)
            ? null
            : $"{SpecText.Quote(value)} must be one of: {string.Join(", ", Allowed)}";
}
