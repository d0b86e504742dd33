namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>ReduceMean/Sum/Max/Min: axes as an attribute, or an input since opset 13 (ReduceSum) / 18 (the others).</summary>
internal sealed class ReductionOperators : IOperatorFamily
{
    public IReadOnlyCollection<string> OperatorTypes { get; } = ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin"];

    public NodeStep Prepare(OnnxNode node)
    {
        var axes = ShapeOperators.Axes(node, node.OpType == "ReduceSum" ? 13 : 18, 1);
        var keep = node.Int("keepdims", 1) != 0;
        var noopWhenEmpty = node.Int("noop_with_empty_axes", 0) != 0;
        var opType = node.OpType;
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            var given = axes(inputs);
            if (given is null || given.Length == 0)
            {
                if (noopWhenEmpty)
                {
                    return [x.alias()];
                }

                given = [.. Enumerable.Range(0, (int)x.dim()).Select(i => (long)i)];
            }

            return [opType switch
            {
                "ReduceMean" => x.mean(given, keep),
                "ReduceSum" => x.sum(given, keep),
                "ReduceMax" => x.amax(given, keep),
                _ => x.amin(given, keep),
            }];
        };
    }
}
