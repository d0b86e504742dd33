namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>A graph input or output as the file declares it; a null dimension is symbolic or unknown.</summary>
public sealed record OnnxValue(string Name, int ElementType, IReadOnlyList<long?> Dimensions);
