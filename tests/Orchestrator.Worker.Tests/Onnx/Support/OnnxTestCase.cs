using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx.Support;

/// <summary>A test graph with the inputs it is run on (seeded). <paramref name="Smooth"/> says whether its outputs
/// are differentiable almost everywhere in its float inputs and weights, so finite differences apply.</summary>
internal sealed record OnnxTestCase(TestGraph Graph, Func<IReadOnlyList<(string Name, Tensor Value)>> Inputs, bool Smooth)
{
    public override string ToString() => Graph.Name;
}
