namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>Operators that share their preparation code (e.g. all elementwise binary ones).</summary>
internal interface IOperatorFamily
{
    IReadOnlyCollection<string> OperatorTypes { get; }

    /// <summary>Reads the node's attributes (refusing, through <see cref="OnnxNode.Refuse"/>, what it cannot honour)
    /// and returns the step that runs it.</summary>
    NodeStep Prepare(OnnxNode node);
}
