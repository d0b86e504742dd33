namespace Orchestrator.Shared.Search;

/// <summary>
/// The standard normal distribution as the Parzen estimators need it: its log density, the probability of an
/// interval, and draws from a seeded <see cref="Random"/>. .NET has no erf, hence the approximation below.
/// </summary>
internal static class StandardNormal
{
    private static readonly double LogSqrtTwoPi = 0.5 * Math.Log(2 * Math.PI);

    public static double LogDensity(double z) => (-0.5 * z * z) - LogSqrtTwoPi;

    /// <summary>
    /// P(a &lt; Z &lt; b), computed from the tail on the far side of zero: a difference of two numbers near 1 would lose
    /// the small masses of kernels far from the interval, which decide the ratio l(x)/g(x) there.
    /// </summary>
    public static double Mass(double a, double b) =>
        a >= 0 ? UpperTail(a) - UpperTail(b)
        : b <= 0 ? UpperTail(-b) - UpperTail(-a)
        : 1 - UpperTail(-a) - UpperTail(b);

    /// <summary>Box–Muller; one of the pair is used so that every draw consumes the same two numbers.</summary>
    public static double Draw(Random random)
    {
        var u1 = 1 - random.NextDouble(); // (0, 1]: its logarithm is finite
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>P(Z &gt; z).</summary>
    private static double UpperTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2));

    /// <summary>
    /// The complementary error function by the Chebyshev fit of Numerical Recipes (erfcc): relative error below
    /// 1.2e-7 everywhere, tails included, which is far finer than the comparisons of densities it serves.
    /// </summary>
    private static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + (0.5 * z));
        var polynomial = -1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418 + (t * (-0.18628806 +
            (t * (0.27886807 + (t * (-1.13520398 + (t * (1.48851587 + (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
        var tail = t * Math.Exp((-z * z) + polynomial);
        return x >= 0 ? tail : 2 - tail;
    }
}
