namespace Orchestrator.Shared.Search;

/// <summary>
/// A numeric axis. The Parzen estimators work in its coordinate: the value itself, or its logarithm on a log axis,
/// so that a kernel's width means a factor there rather than an amount (1e-4 and 1e-3 are as far apart as 1e-3
/// and 1e-2).
/// </summary>
public abstract class NumericDimension : SearchDimension
{
    protected NumericDimension(string name, double minimum, double maximum, bool log)
        : base(name)
    {
        if (!double.IsFinite(minimum) || !double.IsFinite(maximum) || minimum >= maximum)
        {
            throw new ArgumentException($"dimension {name}: min ({minimum}) must be a finite number below max ({maximum})", nameof(minimum));
        }

        if (log && minimum <= 0)
        {
            throw new ArgumentException($"dimension {name}: a log axis needs a positive min, not {minimum}", nameof(minimum));
        }

        Minimum = minimum;
        Maximum = maximum;
        Log = log;
    }

    public double Minimum { get; }

    public double Maximum { get; }

    public bool Log { get; }

    /// <summary>The lower end of the estimators' interval, in coordinates.</summary>
    internal abstract double Low { get; }

    /// <summary>The upper end of the estimators' interval, in coordinates.</summary>
    internal abstract double High { get; }

    internal double CoordinateOf(double value) => Log ? Math.Log(value) : value;

    /// <summary>The value a coordinate stands for, as a job would store it (rounded, and within the bounds).</summary>
    internal abstract double ValueAt(double coordinate);

    /// <summary>The coordinates every coordinate of which maps to this value, or null on a continuous axis.</summary>
    internal abstract (double Low, double High)? CellOf(double value);

    internal override double DrawUniform(Random random) => ValueAt(Low + (random.NextDouble() * (High - Low)));

    internal virtual bool Contains(double value) => value >= Minimum && value <= Maximum;
}
