using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>An initializer or Constant node's value, to become a Parameter (floating initializers) or a buffer.</summary>
internal sealed record PlannedStoredValue(int Slot, string RegisteredName, bool IsParameter, Tensor Value);
