using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>One prepared node: everything static was worked out at construction, so this only computes.
/// Missing optional inputs are null. Returned tensors must be new handles (never one of the inputs).</summary>
internal delegate Tensor[] NodeStep(Tensor?[] inputs, StepContext context);

/// <summary>What a step may need from the module at run time.</summary>
/// <param name="Training">The module's train/eval mode.</param>
/// <param name="FloatType">The module's floating type (float32, or float64 after module.to(float64)): casts and
/// created floating tensors use it so a converted module stays in one precision.</param>
internal sealed record StepContext(bool Training, ScalarType FloatType);

/// <summary>Optional trailing inputs may be left out of a node entirely, not just named "".</summary>
internal static class NodeInputs
{
    public static Tensor? Optional(this Tensor?[] inputs, int index) => index < inputs.Length ? inputs[index] : null;
}
