namespace Orchestrator.Worker.Engine.Weights;

/// <summary>A weight file that could not be put into the cache (download failed, checksum wrong, package not restored, offline); the message says why and the ways out. Permanent for a job.</summary>
public sealed class WeightsUnavailableException : Exception
{
    public WeightsUnavailableException(string message) : base(message)
    {
    }

    public WeightsUnavailableException(string message, Exception inner) : base(message, inner)
    {
    }

    public WeightsUnavailableException()
    {
    }
}
