using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Search;

/// <summary>A real-valued parameter between two bounds, linear or log (a learning rate, a dropout).</summary>
public sealed class NumberDimension(string name, double min, double max, bool log = false) : NumericDimension(name, min, max, log)
{
    internal override double Low => CoordinateOf(Minimum);

    internal override double High => CoordinateOf(Maximum);

    // Rounded like a random draw of the spec, so a suggestion's job key and table entry look like any other.
    internal override double ValueAt(double coordinate) =>
        Math.Clamp(SweepExpander.SixSignificantDigits(Log ? Math.Exp(coordinate) : coordinate), Minimum, Maximum);

    internal override (double Low, double High)? CellOf(double value) => null;
}
