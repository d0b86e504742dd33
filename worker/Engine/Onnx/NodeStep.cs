using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>One prepared node: everything static was worked out at construction, so this only computes.
/// Missing optional inputs are null. Returned tensors must be new handles (never one of the inputs).</summary>
internal delegate Tensor[] NodeStep(Tensor?[] inputs, StepContext context);
