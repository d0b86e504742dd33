namespace Orchestrator.Shared.Search;

/// <summary>
/// The Parzen estimator of a whole point (Optuna's multivariate TPE): one kernel per observation over every dimension
/// at once, the product of a truncated Gaussian per numeric axis (in its coordinate) and a smoothed row of
/// probabilities per list of choices, plus a prior kernel (centred, as wide as each axis, uniform over choices), mixed
/// by weight. Each axis's bandwidth is Optuna's multivariate one: 0.2 · n^(−1/(D+4)) of its range, D the dimensions
/// that hold more than one value, clipped like the univariate one to [range / min(100, kernels + 1), range]. Because
/// a kernel keeps its observation's values together, the density follows a diagonal ridge that the per-dimension
/// estimators (<see cref="TruncatedGaussianMixture"/>, <see cref="ChoiceFrequencies"/>) smear into a square.
/// </summary>
internal sealed class JointParzenEstimator
{
    private const double BandwidthMagnitude = 0.2;

    private readonly SearchSpace space;
    private readonly double[] weights;

    // Per dimension, per kernel: a numeric axis's centre, width and log of its mass inside the axis; a choice's row.
    private readonly double[][] means;
    private readonly double[][] sigmas;
    private readonly double[][] logNormalisers;
    private readonly double[][][] rows;

    private JointParzenEstimator(SearchSpace space, double[] weights, double[][] means, double[][] sigmas, double[][] logNormalisers, double[][][] rows)
    {
        this.space = space;
        this.weights = weights;
        this.means = means;
        this.sigmas = sigmas;
        this.logNormalisers = logNormalisers;
        this.rows = rows;
    }

    /// <summary>The estimator of the observed points (oldest first) with one weight per point.</summary>
    public static JointParzenEstimator Fit(SearchSpace space, IReadOnlyList<SearchPoint> points, IReadOnlyList<double> observationWeights, double priorWeight)
    {
        var n = points.Count;
        var kernels = n + 1;
        var dimensions = space.Dimensions.Count;
        var varying = space.Dimensions.Count(d => d is not ChoiceDimension { Choices.Count: 1 });
        var means = new double[dimensions][];
        var sigmas = new double[dimensions][];
        var logNormalisers = new double[dimensions][];
        var rows = new double[dimensions][][];
        for (var d = 0; d < dimensions; d++)
        {
            switch (space.Dimensions[d])
            {
                case NumericDimension numeric:
                    var range = numeric.High - numeric.Low;
                    var width = Math.Clamp(BandwidthMagnitude * Math.Pow(Math.Max(n, 1), -1.0 / (varying + 4)) * range, range / Math.Min(100.0, 1.0 + kernels), range);
                    means[d] = [.. points.Select(p => numeric.CoordinateOf(p[d])), 0.5 * (numeric.Low + numeric.High)];
                    sigmas[d] = [.. Enumerable.Repeat(width, n), range];
                    logNormalisers[d] = [.. means[d].Select((m, k) => Math.Log(StandardNormal.Mass((numeric.Low - m) / sigmas[d][k], (numeric.High - m) / sigmas[d][k])))];
                    break;
                case ChoiceDimension choice:
                    var smoothing = priorWeight / kernels;
                    var rowTotal = 1 + (smoothing * choice.Choices.Count);
                    rows[d] = [.. points.Select(p => Enumerable.Range(0, choice.Choices.Count).Select(c => (smoothing + (c == (int)p[d] ? 1 : 0)) / rowTotal).ToArray()),
                        Enumerable.Repeat(1.0 / choice.Choices.Count, choice.Choices.Count).ToArray()];
                    break;
                default:
                    throw new InvalidOperationException($"dimension {space.Dimensions[d].Name} is of a kind the sampler does not know");
            }
        }

        var total = observationWeights.Sum() + priorWeight;
        double[] mixture = [.. observationWeights.Select(w => w / total), priorWeight / total];
        return new JointParzenEstimator(space, mixture, means, sigmas, logNormalisers, rows);
    }

    /// <summary>A point's raw values (numbers as jobs store them, choices as indices): one kernel, then each dimension from it.</summary>
    public double[] Draw(Random random)
    {
        var k = ChoiceFrequencies.DrawIndex(weights, random);
        var values = new double[space.Dimensions.Count];
        for (var d = 0; d < values.Length; d++)
        {
            values[d] = space.Dimensions[d] is NumericDimension numeric
                ? numeric.ValueAt(TruncatedGaussianMixture.DrawKernel(means[d][k], sigmas[d][k], numeric.Low, numeric.High, random))
                : ChoiceFrequencies.DrawIndex(rows[d][k], random);
        }

        return values;
    }

    /// <summary>The log density at a point's raw values (a whole number weighs the mass of its cell, as a choice its probability).</summary>
    public double LogDensity(double[] values)
    {
        var terms = new double[weights.Length];
        for (var k = 0; k < terms.Length; k++)
        {
            var term = Math.Log(weights[k]);
            for (var d = 0; d < values.Length; d++)
            {
                term += space.Dimensions[d] switch
                {
                    NumericDimension numeric when numeric.CellOf(values[d]) is var (a, b) =>
                        Math.Log(StandardNormal.Mass((a - means[d][k]) / sigmas[d][k], (b - means[d][k]) / sigmas[d][k])) - logNormalisers[d][k],
                    NumericDimension numeric =>
                        StandardNormal.LogDensity((numeric.CoordinateOf(values[d]) - means[d][k]) / sigmas[d][k]) - Math.Log(sigmas[d][k]) - logNormalisers[d][k],
                    _ => Math.Log(rows[d][k][(int)values[d]]),
                };
            }

            terms[k] = term;
        }

        var largest = terms.Max();
        return double.IsNegativeInfinity(largest) ? largest : largest + Math.Log(terms.Sum(t => Math.Exp(t - largest)));
    }
}
