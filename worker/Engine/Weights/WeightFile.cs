namespace Orchestrator.Worker.Engine.Weights;

/// <summary>One file of a named set of weights (<see cref="Name"/>, e.g. resnet18), at <see cref="RelativePath"/> in the weights directory.</summary>
public abstract record WeightFile(string Name, string RelativePath)
{
    /// <summary>Where the file comes from, for messages.</summary>
    public abstract string Origin { get; }
}
