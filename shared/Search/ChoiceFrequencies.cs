namespace Orchestrator.Shared.Search;

/// <summary>
/// The Parzen estimator of a list of choices (Optuna's categorical kernel): each observation puts its weight on its
/// choice, smoothed by prior weight / kernels spread over every choice, and a prior kernel is uniform; so a choice
/// never seen keeps a small probability and the ratio l/g stays finite.
/// </summary>
internal sealed class ChoiceFrequencies
{
    private readonly double[] probabilities;

    private ChoiceFrequencies(double[] probabilities) => this.probabilities = probabilities;

    /// <summary>The estimator of the observed choices (their indices), with one weight per observation.</summary>
    public static ChoiceFrequencies Fit(IReadOnlyList<int> observations, IReadOnlyList<double> observationWeights, int choiceCount, double priorWeight)
    {
        var kernels = observations.Count + 1;
        var smoothing = priorWeight / kernels;
        var total = observationWeights.Sum() + priorWeight;
        var probabilities = new double[choiceCount];
        for (var i = 0; i < observations.Count; i++)
        {
            // The kernel's row (smoothing on every choice, 1 more on the observed one) normalised, times its mixture weight.
            var rowTotal = 1 + (smoothing * choiceCount);
            for (var c = 0; c < choiceCount; c++)
            {
                probabilities[c] += observationWeights[i] / total * (smoothing + (c == observations[i] ? 1 : 0)) / rowTotal;
            }
        }

        for (var c = 0; c < choiceCount; c++)
        {
            probabilities[c] += priorWeight / total / choiceCount;
        }

        return new ChoiceFrequencies(probabilities);
    }

    public int Draw(Random random) => DrawIndex(probabilities, random);

    public double LogProbability(int choice) => Math.Log(probabilities[choice]);

    /// <summary>An index drawn with the given probabilities (which sum to 1).</summary>
    internal static int DrawIndex(IReadOnlyList<double> probabilities, Random random)
    {
        var u = random.NextDouble();
        for (var i = 0; i < probabilities.Count - 1; i++)
        {
            u -= probabilities[i];
            if (u < 0)
            {
                return i;
            }
        }

        return probabilities.Count - 1;
    }
}
