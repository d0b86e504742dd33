using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>Optional trailing inputs may be left out of a node entirely, not just named "".</summary>
internal static class NodeInputs
{
    public static Tensor? Optional(this Tensor?[] inputs, int index) => index < inputs.Length ? inputs[index] : null;
}
