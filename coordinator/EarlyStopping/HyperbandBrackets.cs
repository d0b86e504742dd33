using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.EarlyStopping;

/// <summary>
/// Asynchronous Hyperband (Li et al., "Hyperband", JMLR 2018, made asynchronous as in Optuna's HyperbandPruner):
/// brackets s = 0…S with S = ⌊log_eta(max_epochs / grace)⌋, bracket s an ASHA run whose first rung is grace·eta^s
/// (rungs grace·eta^(s+k) below max_epochs; the last bracket may have none and trains its units to the end). Each
/// unit (a job, or a configuration when seeds are judged together) belongs to one bracket, drawn from SHA-256 of
/// the spec's seed and the unit's key, so every coordinator draws the same bracket and a unit keeps it across
/// restarts; it is compared only with the units of its own bracket, by <see cref="AshaRule"/> at that bracket's rungs.
/// The brackets are weighted by the configurations Hyperband's bracket would start with,
/// n = ⌈(S+1)·eta^(S−s) / (S−s+1)⌉ (the paper's n for its index S−s; the same weights Optuna's pruner draws by):
/// the aggressive brackets, whose units mostly stop early, get the most units.
/// </summary>
public sealed class HyperbandBrackets
{
    private readonly EarlyStoppingSpec spec;
    private readonly long[] weights;

    /// <param name="spec">the sweep's block (type hyperband, defaults filled in)</param>
    public HyperbandBrackets(EarlyStoppingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        this.spec = spec;
        var grace = spec.Grace ?? 1;
        var eta = spec.Eta ?? 3;
        var max = spec.MaxEpochs ?? grace;

        // S by whole numbers, not Math.Log: 9 / 1 with eta 3 must give 2, not 1.9999.
        var highest = 0;
        for (long first = (long)grace * eta; first <= max; first *= eta)
        {
            highest++;
        }

        weights = [.. Enumerable.Range(0, highest + 1).Select(s => Weight(highest, s, eta))];
    }

    /// <summary>The number of brackets, S + 1.</summary>
    public int Count => weights.Length;

    /// <summary>Each bracket's share of the draw, in bracket order.</summary>
    public IReadOnlyList<long> Weights => weights;

    /// <summary>The bracket of the unit whose key (its parameters, as the judge reads them) is <paramref name="unitKey"/>.</summary>
    public int Of(string unitKey)
    {
        ArgumentNullException.ThrowIfNull(unitKey);
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{spec.Seed ?? 0}\n{unitKey}")));
        var draw = BinaryPrimitives.ReadUInt64BigEndian(digest) % (ulong)weights.Sum();
        for (var bracket = 0; bracket < weights.Length; bracket++)
        {
            if (draw < (ulong)weights[bracket])
            {
                return bracket;
            }

            draw -= (ulong)weights[bracket];
        }

        throw new InvalidOperationException("a draw below the weights' sum falls in some bracket");
    }

    /// <summary>Bracket <paramref name="bracket"/> as the ASHA block it runs: its first rung grace·eta^bracket.</summary>
    public EarlyStoppingSpec Asha(int bracket)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bracket);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bracket, Count);
        var grace = (long)(spec.Grace ?? 1);
        for (var s = 0; s < bracket; s++)
        {
            grace *= spec.Eta ?? 3;
        }

        return spec with { Type = EarlyStoppingSpec.Asha, Grace = (int)grace, Seed = null };
    }

    /// <summary>
    /// ASHA's verdict within <paramref name="bracket"/>: <paramref name="bracketValues"/> are the values recorded at
    /// the epoch by the units of that bracket only, the judged one's among them. The decision is Hyperband's and names
    /// the bracket.
    /// </summary>
    public StopDecision? Judge(int bracket, Better better, int epoch, double value, IReadOnlyCollection<double> bracketValues)
    {
        var asha = Asha(bracket);
        if (AshaRule.Judge(asha, better, epoch, value, bracketValues) is not { } decision)
        {
            return null;
        }

        var reason = string.Create(CultureInfo.InvariantCulture,
            $"Hyperband bracket {bracket} of 0–{Count - 1} (rungs {string.Join(", ", asha.Rungs())}; jobs compared within the bracket only): {decision.Reason}");
        return decision with { Rule = EarlyStoppingSpec.Hyperband, Reason = reason };
    }

    private static long Weight(int highest, int bracket, int eta)
    {
        var s = highest - bracket;
        var configurations = (long)(highest + 1);
        for (var k = 0; k < s; k++)
        {
            configurations *= eta;
        }

        return (configurations + s) / (s + 1); // ⌈(S+1)·eta^s / (s+1)⌉
    }
}
