namespace Orchestrator.Worker.Engine.Networks.Weights;

/// <summary>A weight file that cannot go into a tower; raised before training so the job fails with the keys at fault.</summary>
public sealed class WeightLoadException : Exception
{
    public WeightLoadException(string message) : base(message)
    {
    }

    public WeightLoadException(string message, Exception inner) : base(message, inner)
    {
    }

    public WeightLoadException()
    {
    }

    public StateDictComparison? Comparison { get; init; }
}
