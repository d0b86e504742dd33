namespace Orchestrator.Shared.Search;

/// <summary>
/// The Parzen estimator of one numeric axis (in its coordinate): a Gaussian kernel at each observation plus a prior
/// kernel over the whole interval, each truncated to the interval, mixed by weight. Bandwidths follow Optuna's
/// univariate TPE: a kernel is as wide as the larger gap to its sorted neighbours (the end ones use their inner gap),
/// clipped to [range / min(100, kernels + 1), range] (the "magic clip"), and the prior is centred with the whole
/// range as its width.
/// </summary>
internal sealed class TruncatedGaussianMixture
{
    private readonly double low;
    private readonly double high;
    private readonly double[] means;
    private readonly double[] sigmas;
    private readonly double[] weights;
    private readonly double[] logNormalisers;

    private TruncatedGaussianMixture(double low, double high, double[] means, double[] sigmas, double[] weights)
    {
        this.low = low;
        this.high = high;
        this.means = means;
        this.sigmas = sigmas;
        this.weights = weights;
        logNormalisers = [.. means.Select((m, i) => Math.Log(StandardNormal.Mass((low - m) / sigmas[i], (high - m) / sigmas[i])))];
    }

    /// <summary>The estimator of observed coordinates within [low, high], oldest first, with one weight per observation.</summary>
    public static TruncatedGaussianMixture Fit(IReadOnlyList<double> observations, IReadOnlyList<double> observationWeights, double low, double high, double priorWeight)
    {
        var range = high - low;
        var prior = 0.5 * (low + high);
        var n = observations.Count;

        // Gaps are measured among the observations and the prior's centre together, as Optuna does.
        var order = Enumerable.Range(0, n + 1).OrderBy(i => i < n ? observations[i] : prior).ThenBy(i => i).ToArray();
        var sorted = order.Select(i => i < n ? observations[i] : prior).ToArray();
        var bandwidths = new double[n + 1];
        for (var k = 0; k < sorted.Length; k++)
        {
            var left = sorted[k] - (k == 0 ? low : sorted[k - 1]);
            var right = (k == sorted.Length - 1 ? high : sorted[k + 1]) - sorted[k];
            bandwidths[order[k]] = Math.Max(left, right);
        }

        // Optuna leaves out the interval's ends (consider_endpoints=False): the outermost kernels take their inner gap.
        if (sorted.Length >= 2)
        {
            bandwidths[order[0]] = sorted[1] - sorted[0];
            bandwidths[order[^1]] = sorted[^1] - sorted[^2];
        }

        var minimum = range / Math.Min(100.0, 1.0 + n + 1);
        var means = new double[n + 1];
        var sigmas = new double[n + 1];
        var weights = new double[n + 1];
        for (var i = 0; i < n; i++)
        {
            means[i] = observations[i];
            sigmas[i] = Math.Clamp(bandwidths[i], minimum, range);
            weights[i] = observationWeights[i];
        }

        means[n] = prior;
        sigmas[n] = range;
        weights[n] = priorWeight;
        var total = weights.Sum();
        return new TruncatedGaussianMixture(low, high, means, sigmas, [.. weights.Select(w => w / total)]);
    }

    public double Draw(Random random)
    {
        var k = ChoiceFrequencies.DrawIndex(weights, random);
        return DrawKernel(means[k], sigmas[k], low, high, random);
    }

    /// <summary>A draw from one Gaussian kernel truncated to [low, high].</summary>
    internal static double DrawKernel(double mean, double sigma, double low, double high, Random random)
    {
        // A kernel's centre lies within the interval and its width is at most the interval's, so at least a third of
        // its mass falls inside and rejection ends after a few draws.
        while (true)
        {
            var x = mean + (sigma * StandardNormal.Draw(random));
            if (x >= low && x <= high)
            {
                return x;
            }
        }
    }

    public double LogDensity(double x)
    {
        var terms = new double[means.Length];
        for (var i = 0; i < means.Length; i++)
        {
            terms[i] = Math.Log(weights[i]) + StandardNormal.LogDensity((x - means[i]) / sigmas[i]) - Math.Log(sigmas[i]) - logNormalisers[i];
        }

        var largest = terms.Max();
        return double.IsNegativeInfinity(largest) ? largest : largest + Math.Log(terms.Sum(t => Math.Exp(t - largest)));
    }

    /// <summary>The log of the probability of [a, b] (a whole number's cell).</summary>
    public double LogMass(double a, double b)
    {
        var mass = 0.0;
        for (var i = 0; i < means.Length; i++)
        {
            mass += weights[i] * StandardNormal.Mass((a - means[i]) / sigmas[i], (b - means[i]) / sigmas[i]) / Math.Exp(logNormalisers[i]);
        }

        return Math.Log(mass);
    }
}
