using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>
/// Two steps timed round by round, alternating which goes first, so a machine warming up or cooling down favours
/// neither; the first round starts with untimed warm-up steps of both (kernel choices, allocator growth).
/// </summary>
internal static class AlternatingRounds
{
    public static (List<double> First, List<double> Second) SecondsPerStep(
        int rounds, int stepsPerRound, Func<Tensor> first, Func<Tensor> second, Action<int, double, double>? afterRound = null, int warmupSteps = 3)
    {
        var (firstTimes, secondTimes) = (new List<double>(), new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            var warmup = round == 0 ? warmupSteps : 0;
            if (round % 2 == 0)
            {
                firstTimes.Add(EncoderBenchmark.SecondsPerStep(stepsPerRound, first, warmup));
                secondTimes.Add(EncoderBenchmark.SecondsPerStep(stepsPerRound, second, warmup));
            }
            else
            {
                secondTimes.Add(EncoderBenchmark.SecondsPerStep(stepsPerRound, second, warmup));
                firstTimes.Add(EncoderBenchmark.SecondsPerStep(stepsPerRound, first, warmup));
            }

            afterRound?.Invoke(round, firstTimes[^1], secondTimes[^1]);
        }

        return (firstTimes, secondTimes);
    }
}
