namespace Orchestrator.Worker.Tests.Onnx.Support;

/// <summary>Deterministic random numbers for weights and inputs (System.Random with a seed: the same on every run
/// and independent of torch's global generator, which other tests move).</summary>
internal sealed class SeededValues(int seed)
{
    private readonly Random random = new(seed);

    public float[] Normal(int count, float scale = 1f)
    {
        var result = new float[count];
        for (var i = 0; i < count; i++)
        {
            // Box–Muller; 1 - NextDouble() keeps the logarithm's argument in (0, 1].
            var u = 1 - random.NextDouble();
            var v = random.NextDouble();
            result[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
        }

        return result;
    }

    public float[] Uniform(int count, float low, float high)
    {
        var result = new float[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = (float)(low + ((high - low) * random.NextDouble()));
        }

        return result;
    }

    public long[] Integers(int count, long below)
    {
        var result = new long[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = random.NextInt64(below);
        }

        return result;
    }
}
