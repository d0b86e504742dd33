using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>MatMul and Gemm. The common exported Gemm (transB = 1, alpha = beta = 1, a bias) runs as F.linear.</summary>
internal sealed class LinearAlgebraOperators : IOperatorFamily
{
    public IReadOnlyCollection<string> OperatorTypes { get; } = ["Gemm", "MatMul"];

    public NodeStep Prepare(OnnxNode node)
    {
        if (node.OpType == "MatMul")
        {
            return (inputs, _) => [inputs[0]!.matmul(inputs[1]!)];
        }

        var alpha = node.Float("alpha", 1f);
        var beta = node.Float("beta", 1f);
        var transA = node.Int("transA", 0) != 0;
        var transB = node.Int("transB", 0) != 0;
        if (alpha == 1f && beta == 1f && !transA && transB)
        {
            return (inputs, _) => [nn.functional.linear(inputs[0]!, inputs[1]!, inputs.Optional(2))];
        }

        return (inputs, _) =>
        {
            using var a = transA ? inputs[0]!.t() : inputs[0]!.alias();
            using var b = transB ? inputs[1]!.t() : inputs[1]!.alias();
            var product = a.matmul(b);
            if (alpha != 1f)
            {
                product.mul_(alpha);
            }

            if (inputs.Optional(2) is null || beta == 0f)
            {
                return [product];
            }

            using (product)
            {
                return [beta == 1f ? product.add(inputs[2]!) : product.add(inputs[2]!, beta)];
            }
        };
    }
}
