using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>What a step may need from the module at run time.</summary>
/// <param name="Training">The module's train/eval mode.</param>
/// <param name="FloatType">The module's floating type (float32, or float64 after module.to(float64)): casts and
/// created floating tensors use it so a converted module stays in one precision.</param>
/// <param name="Device">Where the module's weights (else its first input) live: created tensors go there.</param>
internal sealed record StepContext(bool Training, ScalarType FloatType, Device Device);
