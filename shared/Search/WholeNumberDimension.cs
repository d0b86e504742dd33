namespace Orchestrator.Shared.Search;

/// <summary>
/// A whole-number parameter between two bounds, both included, linear or log (a batch size, a layer count). Each
/// value owns the cell of coordinates that round to it, [v − ½, v + ½] (mapped to the log axis when log), so the
/// estimators give it the probability of its cell, as Optuna's discretised distributions do, and a uniform draw
/// gives the two bounds as much chance as any other value.
/// </summary>
public sealed class WholeNumberDimension(string name, int min, int max, bool log = false) : NumericDimension(name, min, max, log)
{
    internal override double Low => CoordinateOf(Minimum - 0.5);

    internal override double High => CoordinateOf(Maximum + 0.5);

    internal override double ValueAt(double coordinate) =>
        Math.Clamp(Math.Round(Log ? Math.Exp(coordinate) : coordinate, MidpointRounding.AwayFromZero), Minimum, Maximum);

    internal override bool Contains(double value) => base.Contains(value) && value == Math.Round(value);

    internal override (double Low, double High)? CellOf(double value) => (CoordinateOf(value - 0.5), CoordinateOf(value + 0.5));
}
