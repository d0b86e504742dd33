using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>Elementwise operators of one input and no attributes.</summary>
internal sealed class UnaryOperators : IOperatorFamily
{
    private static readonly Dictionary<string, Func<Tensor, Tensor>> Functions = new(StringComparer.Ordinal)
    {
        ["Relu"] = x => nn.functional.relu(x),
        ["Sigmoid"] = x => x.sigmoid(),
        ["Tanh"] = x => x.tanh(),
        ["Erf"] = x => x.erf(),
        ["Exp"] = x => x.exp(),
        ["Log"] = x => x.log(),
        ["Neg"] = x => x.neg(),
        ["Abs"] = x => x.abs(),
        ["Sqrt"] = x => x.sqrt(),
        ["Reciprocal"] = x => x.reciprocal(),
        ["Floor"] = x => x.floor(),
        ["Ceil"] = x => x.ceil(),
        ["Not"] = x => x.logical_not(),
        ["HardSwish"] = x => nn.functional.hardswish(x),
        ["Softplus"] = x => nn.functional.softplus(x),
        ["Sin"] = x => x.sin(),
        ["Cos"] = x => x.cos(),
    };

    public IReadOnlyCollection<string> OperatorTypes => Functions.Keys;

    public NodeStep Prepare(OnnxNode node)
    {
        var function = Functions[node.OpType];
        return (inputs, _) => [function(inputs[0]!)];
    }
}
