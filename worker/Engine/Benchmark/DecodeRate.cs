namespace Orchestrator.Worker.Engine.Benchmark;

/// <summary>
/// How fast one decoder turned a set of files into pixels with a number of threads: images per wall second, and
/// images per CPU second, which is the rate per core (CPU time counts every core the work used).
/// </summary>
public sealed record DecodeRate(string Decoder, int Threads, int Images, int Failed, double WallSeconds, double CpuSeconds)
{
    public double ImagesPerSecond => Images / WallSeconds;

    public double ImagesPerCoreSecond => Images / CpuSeconds;
}
